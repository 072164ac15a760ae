import './lib/cspSafeZod.ts';
import { mount } from 'svelte';
import App from './App.svelte';
import { startApp } from './lib/app.ts';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('the page has no #app element');
mount(App, { target });
startApp();
