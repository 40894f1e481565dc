import { mount } from 'svelte';
import App from './App.svelte';
import { resolveBridge } from './lib/bridge.ts';
import { theme } from './lib/theme.svelte.ts';
import './lib/styles/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// Before the first paint, so a dark-theme user never sees a light flash.
theme.start();
mount(App, { target, props: { bridge: resolveBridge(window) } });
