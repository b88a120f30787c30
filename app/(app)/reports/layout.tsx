import './report.css';

export default function ReportsLayout({ children }: { children: React.ReactNode }) {
  return children;
}
