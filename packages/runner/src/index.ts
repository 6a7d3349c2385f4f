// @medtransfer/runner: experiment file → trials → result store, with skip-if-finished.
export * from './plan';
export * from './run';
export * from './store';
export * from './experiment';
