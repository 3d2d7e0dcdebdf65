// Renders a Vega-Lite spec to PNG without a browser or a native canvas: Vega draws SVG in Node,
// resvg (a Rust SVG renderer shipped as a prebuilt npm package) rasterises it.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderPng(spec: Readonly<Record<string, unknown>>): Promise<Buffer> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  return new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
}
