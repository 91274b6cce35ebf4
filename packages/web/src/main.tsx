// Entry point of the viewer page: mounts the app into #app.
import { render } from 'preact';
import { App } from './app.js';
import './style.css';

render(<App />, document.getElementById('app')!);
