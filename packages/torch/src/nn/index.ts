export { Module } from './module.js';
