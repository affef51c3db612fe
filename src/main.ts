/** The app page: hosts <taskmem-agent> and registers the service worker for offline use. */
import './ui/taskmem-agent';
import { registerServiceWorker } from './pwa';

registerServiceWorker(document.getElementById('update-banner')!);
