// Debian's Chromium, as every browser test and the browse benchmark launch it: never a downloaded browser, and
// without the background services that would try to reach the network.
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
};
