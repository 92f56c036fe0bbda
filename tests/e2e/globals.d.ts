// What the page exposes to the tests on `window` (see www/js/app.js `app`), loosely typed.
interface Window {
  depthlab: any;
  __longTasks: { start: number; duration: number }[];
  benchResult: any;
}
