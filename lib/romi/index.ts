export * from './attribution';
export * from './channels';
export * from './build';
export * from './metrics';
