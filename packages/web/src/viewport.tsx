// The image area: one canvas (two for a side-by-side run comparison, sharing the view and the cursor) and the
// pointer gestures -- paint with the active scribble tool, pan (pan tool, middle button, or Shift+drag), wheel zoom
// about the pointer, right-drag window/level (horizontal: width, vertical: level), double-click to fit.
import { useEffect, useRef } from 'preact/hooks';
import { Renderer, type Renderers } from './renderer.js';

export type Tool = 'pan' | 'vessel' | 'background' | 'eraser';

export interface ViewportProps {
  /** Receives the renderers once their canvases exist (main, and the comparison one when shown). */
  onReady(main: Renderer, compare: Renderer | null): void;
  compare: boolean;
  tool: Tool;
  brushSize: number;
  onStroke(phase: 'begin' | 'move' | 'end', x: number, y: number): void;
  onWindowDrag(dLevel: number, dWidth: number): void;
  compareLabels: [string, string] | null;
}

/**
 * The pointer gestures on the canvases: paint with the tool, pan, right-drag window/level, wheel zoom, double-click
 * fit; the renderers and props are read when each event comes. Returns the function that detaches them.
 */
function attachGestures(
  canvases: HTMLCanvasElement[],
  renderers: { current: Renderers },
  propsRef: { current: ViewportProps },
): () => void {
  let drag: { mode: 'paint' | 'pan' | 'window'; x: number; y: number } | null = null;
  const local = (e: PointerEvent | WheelEvent | MouseEvent) => {
    const r = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top] as [number, number];
  };
  const down = (e: PointerEvent) => {
    const main = renderers.current.main;
    if (!main) return;
    const p = propsRef.current;
    const [sx, sy] = local(e);
    (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
    if (e.button === 2) drag = { mode: 'window', x: e.clientX, y: e.clientY };
    else if (e.button === 1 || e.shiftKey || p.tool === 'pan') drag = { mode: 'pan', x: e.clientX, y: e.clientY };
    else if (e.button === 0) {
      drag = { mode: 'paint', x: e.clientX, y: e.clientY };
      const [ix, iy] = main.toImage(sx, sy);
      p.onStroke('begin', ix, iy);
    }
    e.preventDefault();
  };
  const move = (e: PointerEvent) => {
    const main = renderers.current.main;
    if (!main) return;
    const [sx, sy] = local(e);
    const [ix, iy] = main.toImage(sx, sy);
    main.cursor = [ix, iy];
    if (drag?.mode === 'paint') propsRef.current.onStroke('move', ix, iy);
    else if (drag?.mode === 'pan') main.panBy(e.clientX - drag.x, e.clientY - drag.y);
    else if (drag?.mode === 'window') propsRef.current.onWindowDrag(-(e.clientY - drag.y), e.clientX - drag.x);
    if (drag) drag = { ...drag, x: e.clientX, y: e.clientY };
    main.requestDraw();
  };
  const up = (e: PointerEvent) => {
    if (drag?.mode === 'paint') {
      const main = renderers.current.main!;
      const [ix, iy] = main.toImage(...local(e));
      propsRef.current.onStroke('end', ix, iy);
    }
    drag = null;
  };
  const leave = () => {
    const main = renderers.current.main;
    if (main && !drag) {
      main.cursor = null;
      main.requestDraw();
    }
  };
  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const [sx, sy] = local(e);
    renderers.current.main?.zoomAt(sx, sy, Math.exp(-e.deltaY * 0.0015));
  };
  const dbl = () => renderers.current.main?.fit();
  const menu = (e: Event) => e.preventDefault();
  for (const c of canvases) {
    c.addEventListener('pointerdown', down);
    c.addEventListener('pointermove', move);
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('pointerleave', leave);
    c.addEventListener('wheel', wheel, { passive: false });
    c.addEventListener('dblclick', dbl);
    c.addEventListener('contextmenu', menu);
  }
  return () => {
    for (const c of canvases) {
      c.removeEventListener('pointerdown', down);
      c.removeEventListener('pointermove', move);
      c.removeEventListener('pointerup', up);
      c.removeEventListener('pointercancel', up);
      c.removeEventListener('pointerleave', leave);
      c.removeEventListener('wheel', wheel);
      c.removeEventListener('dblclick', dbl);
      c.removeEventListener('contextmenu', menu);
    }
  };
}

export function Viewport(props: ViewportProps) {
  const mainRef = useRef<HTMLCanvasElement>(null);
  const compareRef = useRef<HTMLCanvasElement>(null);
  const renderers = useRef<Renderers>({ main: null, compare: null });
  const propsRef = useRef(props);
  propsRef.current = props;

  useEffect(() => {
    const main = renderers.current.main ?? new Renderer(mainRef.current!);
    renderers.current.main = main;
    const compare = props.compare && compareRef.current ? new Renderer(compareRef.current) : null;
    renderers.current.compare = compare;
    main.onDraw = compare
      ? () => {
          compare.view = main.view;
          compare.cursor = main.cursor;
          compare.brushDiameter = main.brushDiameter;
          compare.drawNow();
        }
      : null;
    const observer = new ResizeObserver(() => {
      main.resize();
      compare?.resize();
      main.requestDraw();
    });
    observer.observe(mainRef.current!);
    main.resize();
    compare?.resize();
    props.onReady(main, compare);
    return () => observer.disconnect();
  }, [props.compare]);

  useEffect(() => {
    const main = renderers.current.main;
    if (!main) return;
    main.brushDiameter = props.tool === 'pan' ? 0 : props.brushSize;
    main.requestDraw();
  }, [props.tool, props.brushSize]);

  useEffect(() => {
    const canvases = [mainRef.current, compareRef.current].filter((c): c is HTMLCanvasElement => c !== null);
    return attachGestures(canvases, renderers, propsRef);
  }, [props.compare]);

  return (
    <div class={`viewport ${props.compare ? 'split' : ''} tool-${props.tool}`}>
      <div class="pane">
        <canvas ref={mainRef} data-testid="viewer" />
        {props.compareLabels && <span class="pane-label">{props.compareLabels[0]}</span>}
      </div>
      {props.compare && (
        <div class="pane">
          <canvas ref={compareRef} data-testid="viewer-compare" />
          {props.compareLabels && <span class="pane-label">{props.compareLabels[1]}</span>}
        </div>
      )}
    </div>
  );
}
