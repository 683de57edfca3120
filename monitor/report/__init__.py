"""Monthly, quarterly and annual figures (docs/disclosure-and-reports.md, `report`, the dashboard's /reports):
`period` parses 2026-11 / 2026-Q4 / 2026, `figures` computes everything in SQL, `html`
(with inline SVG charts from `charts`), `xlsx` and `rawcsv` write it out."""
