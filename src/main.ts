/** The app page: hosts <taskmem-agent> and registers the service worker for offline use. */
import './ui/taskmem-agent';
import { registerServiceWorker } from './pwa';

// Shown so a user (and the update test) can tell which build is running.
document.getElementById('build-id')!.textContent = __TASKMEM_BUILD_ID__;
registerServiceWorker(document.getElementById('update-banner')!);
