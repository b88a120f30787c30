import './quality.css';

export default function QualityLayout({ children }: { children: React.ReactNode }) {
  return children;
}
