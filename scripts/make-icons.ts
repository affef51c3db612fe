/**
 * Renders the app icons the web app manifest lists (public/icons/*.png) from public/favicon.svg,
 * so the installable app has the PNG sizes browsers require. Run after changing the SVG:
 *   npx tsx scripts/make-icons.ts
 */
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';

mkdirSync('public/icons', { recursive: true });
for (const size of [192, 512]) {
  await sharp('public/favicon.svg', { density: (72 * size) / 64 }).resize(size, size).png().toFile(`public/icons/icon-${size}.png`);
  // maskable: the same art inside the central safe zone on the icon's background colour
  const inner = Math.round(size * 0.72);
  const art = await sharp('public/favicon.svg', { density: (72 * inner) / 64 }).resize(inner, inner).png().toBuffer();
  await sharp({ create: { width: size, height: size, channels: 4, background: '#1e2228' } })
    .composite([{ input: art, gravity: 'center' }])
    .png()
    .toFile(`public/icons/maskable-${size}.png`);
}
console.log('wrote public/icons/icon-{192,512}.png and maskable-{192,512}.png');
