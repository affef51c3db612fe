/**
 * Service worker registration for the installed / offline app: the page (not the embeddable
 * widget) registers it. A new version is announced in a banner and applied when the user reloads
 * through it, never under a running capture.
 */
import { registerSW } from 'virtual:pwa-register';

export function registerServiceWorker(banner: HTMLElement) {
  if (!('serviceWorker' in navigator)) return;
  const update = registerSW({
    onNeedRefresh() {
      banner.hidden = false;
    },
    onOfflineReady() {
      banner.dataset.offlineReady = 'true';
    },
  });
  banner.querySelector('button')?.addEventListener('click', () => void update(true));
}
