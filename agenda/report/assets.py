"""The page's style sheet and its one script: tables sort by a click on a header and filter as you type."""

STYLE = """
:root { --ink: #1d1d1f; --soft: #5f6368; --line: #d9dce1; --band: #f4f6f8; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); }
header { padding: 1.2rem 2rem .6rem; border-bottom: 1px solid var(--line); background: var(--band); }
h1 { margin: 0 0 .2rem; font-size: 1.5rem; }
h2 { margin: 2rem 0 .6rem; font-size: 1.25rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { margin: 1.6rem 0 .3rem; font-size: 1.1rem; }
h4 { margin: 1rem 0 .2rem; font-size: .98rem; }
header p { margin: 0 0 .5rem; color: var(--soft); }
nav a { margin-right: 1rem; color: var(--accent); text-decoration: none; white-space: nowrap; }
main { padding: 0 2rem 3rem; max-width: 1400px; }
.note { margin: .1rem 0 .4rem; color: var(--soft); font-size: .9rem; }
.tools { margin: .2rem 0; font-size: .85rem; color: var(--soft); }
.tools input { font: inherit; padding: .15rem .4rem; border: 1px solid var(--line); border-radius: 4px; width: 16rem; }
.scroll { max-height: 32rem; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
table.data { border-collapse: collapse; font-size: .85rem; width: 100%; }
table.data th { position: sticky; top: 0; background: var(--band); cursor: pointer; text-align: left;
  padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; user-select: none; }
table.data th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.data th[aria-sort="descending"]::after { content: " \\25BC"; }
table.data td { padding: .25rem .5rem; border-bottom: 1px solid var(--band); vertical-align: top; }
table.data th[data-type="number"], table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr > td:nth-child(n) { overflow-wrap: anywhere; }
figure.chart { margin: 1rem 0; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--soft); font-size: .9rem; }
"""

SCRIPT = """
"use strict";
for (const table of document.querySelectorAll("table.data")) {
  const body = table.tBodies[0];
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, col) => {
    th.tabIndex = 0;
    const sort = () => {
      const up = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      const number = th.dataset.type === "number";
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
        if (x === "" || y === "") return (x === "") - (y === "");
        const d = number ? Number(x) - Number(y) : x.localeCompare(y);
        return up ? d : -d;
      });
      body.append(...rows);
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}
for (const input of document.querySelectorAll("input[data-filter]")) {
  const body = document.getElementById(input.dataset.filter).tBodies[0];
  const count = document.getElementById(input.dataset.filter + "-count");
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of body.rows) {
      row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q);
      shown += row.hidden ? 0 : 1;
    }
    count.textContent = q === "" ? body.rows.length + " rows" : shown + " of " + body.rows.length + " rows";
  });
}
"""
