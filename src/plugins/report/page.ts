/**
 * The page around the report's sections: inline CSS and a few lines of inline
 * JavaScript (the pair table's filter), and a Content-Security-Policy that lets
 * the browser load nothing else — the report works from a file, offline, and
 * cannot leak what it shows.
 */
import { escapeHtml } from "./escape.js";

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

export function page(title: string, sections: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${sections.join("\n")}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1400px;padding:16px 24px;color:#1d2a33;background:#fbfbfa}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d9dee2;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
p.note{color:#5b6770;margin:4px 0 10px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border-bottom:1px solid #e3e7ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f3;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px}.duo{display:flex;gap:6px}.duo .chart{width:292px}.chart{width:480px;max-width:100%;background:#fff;border:1px solid #e3e7ea;border-radius:4px}
.chart .title{font-size:13px;font-weight:600;fill:#1d2a33}.chart .tick{font-size:10px;fill:#5b6770}.chart .axis{font-size:11px;fill:#5b6770}.chart .grid{stroke:#e3e7ea}
.controls{display:flex;gap:12px;align-items:center;margin:8px 0}
.wide{overflow-x:auto}#pair-table{font-size:13px}#pair-table td{max-width:360px}#pair-table td.reason{min-width:260px}
tr[data-dispute="pair"]{background:#fdecea}tr[data-dispute="criterion"]{background:#fff8e6}
.chip{display:inline-block;padding:0 5px;margin:1px;border-radius:3px;background:#eef1f3;white-space:nowrap}.chip.disputed{background:#f9d3cd}
.chosen{color:#1f7a70}.rejected{color:#b4472c}.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px}
details pre{white-space:pre-wrap;max-height:240px;overflow:auto;background:#f4f6f7;padding:6px;margin:4px 0}
`;

// The filter of the pair table: by dispute kind or fate, and by text.
const SCRIPT = `
(function () {
  var select = document.getElementById("pair-filter");
  var search = document.getElementById("pair-search");
  var count = document.getElementById("pair-count");
  if (!select || !search || !count) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("#pair-table tbody tr"));
  function wanted(row, filter) {
    var d = row.getAttribute("data-dispute");
    switch (filter) {
      case "disputed": return d === "pair";
      case "criterion": return d === "criterion";
      case "any": return d !== "";
      case "dropped": return row.getAttribute("data-dropped") === "1";
      default: return true;
    }
  }
  function apply() {
    var filter = select.value, q = search.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = wanted(row, filter) && (q === "" || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = String(shown);
  }
  select.addEventListener("change", apply);
  search.addEventListener("input", apply);
  apply();
})();
`;
