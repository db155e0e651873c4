/** The reports' common style (the single-site report, src/report/render.ts, and the enterprise report). */
export const REPORT_BASE_CSS = `
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; border-bottom: 2px solid #2b6cb0; padding-bottom: 3px; margin-top: 32px; }
h3 { font-size: 14px; margin: 18px 0 6px; } .meta { color: #4a5568; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12px; }
th, td { border: 1px solid #cbd5e0; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #edf2f7; } td.num { text-align: right; } .none { color: #718096; font-style: italic; }
.sev { font-weight: 700; text-transform: uppercase; font-size: 11px; padding: 1px 5px; border-radius: 3px; color: #fff; background: #718096; }
.sev-critical { background: #742a2a; } .sev-high { background: #c53030; } .sev-medium { background: #c05621; } .sev-low { background: #2b6cb0; } .sev-info { background: #718096; }
.gap, .stale { color: #c53030; font-weight: 700; } code { font-size: 11px; }
nav ol { columns: 2; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, .zone-drawing { break-inside: avoid; } nav { display: none; } }`;
