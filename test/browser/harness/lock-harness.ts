/** Exposes the real store and lock modules to Playwright tests, for states only a crash can make. */
import * as dbm from '../../../src/store/db';
import * as repo from '../../../src/store/repository';
import * as lockm from '../../../src/store/lock';
import * as sealed from '../../../src/store/sealed';

const modules = { dbm, repo, lockm, sealed };

declare global {
  interface Window {
    lockModules: typeof modules;
  }
}
window.lockModules = modules;
document.title = 'lock ready';
