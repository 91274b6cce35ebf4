// Keyboard shortcuts on the whole page, except while a text field, a number field, a select or a text area has the
// focus (sliders, checkboxes and radio buttons leave the keys to the page).
import { useEffect, useRef } from 'preact/hooks';

/** Key (KeyboardEvent.key in lower case: 'arrowright', ' ', 'z') to action. */
export type KeyActions = Record<string, (e: KeyboardEvent) => void>;

export interface KeyMap {
  /** With Ctrl (or Cmd on a Mac). */
  ctrl: KeyActions;
  /** Without Ctrl, Cmd or Alt. */
  plain: KeyActions;
}

function typingInto(t: HTMLElement): boolean {
  return (
    t.tagName === 'SELECT' ||
    t.tagName === 'TEXTAREA' ||
    (t.tagName === 'INPUT' && !['range', 'checkbox', 'radio'].includes((t as HTMLInputElement).type))
  );
}

/** Calls the action of each key pressed; the map of the latest render is used. */
export function useKeyboard(keys: KeyMap): void {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (typingInto(e.target as HTMLElement)) return;
      const actions = e.ctrlKey || e.metaKey ? latest.current.ctrl : e.altKey ? {} : latest.current.plain;
      const action = actions[e.key.toLowerCase()];
      if (!action) return;
      e.preventDefault();
      action(e);
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);
}
