"""The web UI's stylesheet (a module, so it ships with the package). Classes are ``gk-*``, as
emitted by :mod:`qa.ui_render`; colours lean on Gradio's theme variables so dark mode reads."""

CSS = r"""
.gradio-container { width: 100% !important; max-width: 1480px !important; margin: 0 auto !important; }
.gradio-container > .main, .gradio-container .wrap > main.contain { width: 100%; }
.gk-hidden { display: none !important; }
.gk-muted { color: var(--body-text-color-subdued); }

/* header */
#gk-header { align-items: center; padding: 6px 4px 2px; background: transparent; border: 0; }
#gk-header > div { background: transparent; border: 0; box-shadow: none; }
.gk-brand { display: flex; align-items: center; gap: 14px; }
.gk-logo { width: 44px; height: 44px; border-radius: 10px; background: linear-gradient(135deg, #1d4ed8, #0ea5e9);
  color: #fff; font-size: 24px; font-weight: 700; display: flex; align-items: center; justify-content: center;
  box-shadow: 0 2px 6px rgba(29, 78, 216, .35); }
.gk-title { font-size: 22px; font-weight: 700; letter-spacing: .5px; color: var(--body-text-color); }
.gk-subtitle { font-size: 13px; color: var(--body-text-color-subdued); margin-top: 2px; }
.gk-stats { display: flex; gap: 10px; justify-content: flex-end; flex-wrap: wrap; }
.gk-stats span { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 999px; padding: 4px 12px; font-size: 13px; color: var(--body-text-color-subdued); }
.gk-stats b { color: var(--color-accent, #1d4ed8); font-size: 15px; margin-right: 2px; }
.gk-panel-title { font-weight: 700; font-size: 16px; padding: 2px 2px 6px; }
.gk-upload-hint { font-size: 13px; line-height: 1.6; margin-bottom: 8px; }

/* chat */
#gk-chat .message-row .message, #gk-chat .bot { max-width: 100% !important; }
#gk-chat .bot.message { width: 100%; }
.gk-chat-empty { text-align: center; line-height: 1.9; font-size: 15px; padding: 24px; }
#gk-examples button { font-size: 13px !important; }
#gk-ask-row { align-items: stretch; }

/* an answer */
.gk-answer { font-size: 15px; line-height: 1.65; min-width: min(560px, 100%); }
.gk-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; margin-bottom: 4px; }
.gk-value { font-size: 44px; font-weight: 800; line-height: 1.05; color: #1d4ed8; letter-spacing: -.5px;
  font-variant-numeric: tabular-nums; }
.dark .gk-value { color: #60a5fa; }
.gk-unit { font-size: 20px; font-weight: 600; color: var(--body-text-color-subdued); }
.gk-kind { display: inline-block; font-size: 12px; padding: 2px 9px; border-radius: 999px; margin-left: 6px;
  background: #e0e7ff; color: #3730a3; font-weight: 600; align-self: center; }
.gk-kind small { font-weight: 400; opacity: .75; }
.gk-kind-derived, .gk-kind-aggregate { background: #fef3c7; color: #92400e; }
.gk-kind-not_found, .gk-kind-error { background: #fee2e2; color: #991b1b; }
.gk-kind-ambiguous { background: #ffedd5; color: #9a3412; }
.gk-kind-prose { background: #dcfce7; color: #166534; }
.gk-head-novalue { margin-bottom: 2px; }
.gk-head-novalue .gk-kind { margin-left: 0; }
.gk-text { margin: 4px 0 8px; }
.gk-warnings { border-left: 4px solid #f59e0b; background: #fffbeb; color: #78350f; border-radius: 6px;
  padding: 6px 12px; margin: 8px 0; font-size: 13.5px; }
.dark .gk-warnings { background: #3b2f12; color: #fde68a; }
.gk-warn-h { font-weight: 700; margin-bottom: 2px; }
.gk-warnings ul { margin: 0; padding-left: 18px; }
.gk-warnings li { margin: 2px 0; }
.gk-interp { font-size: 12.5px; color: var(--body-text-color-subdued); margin: 6px 0; display: flex; flex-wrap: wrap; gap: 6px; }
.gk-interp-h { font-weight: 600; }
.gk-interp-item { background: var(--background-fill-secondary); border-radius: 4px; padding: 0 6px; }
.gk-interp-item i { font-style: normal; opacity: .7; margin-right: 3px; }
.gk-cites { margin-top: 10px; border-top: 1px solid var(--border-color-primary); padding-top: 8px; }
.gk-cites-h { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .5px;
  color: var(--body-text-color-subdued); margin-bottom: 4px; }
.gk-cite { border: 1px solid var(--border-color-primary); border-radius: 8px; margin: 6px 0;
  background: var(--background-fill-primary); }
.gk-cite > summary { cursor: pointer; padding: 6px 10px; display: flex; align-items: center; gap: 8px;
  flex-wrap: wrap; font-size: 13.5px; list-style: none; }
.gk-cite > summary::-webkit-details-marker { display: none; }
.gk-cite > summary::after { content: "▸"; margin-left: auto; color: var(--body-text-color-subdued); }
.gk-cite[open] > summary::after { content: "▾"; }
.gk-cite-n { display: inline-flex; align-items: center; justify-content: center; min-width: 20px; height: 20px;
  border-radius: 50%; background: #1d4ed8; color: #fff; font-size: 12px; font-weight: 700; flex: none; }
.gk-cite-where { font-weight: 600; }
.gk-cite-val { font-weight: 700; color: #1d4ed8; }
.dark .gk-cite-val { color: #60a5fa; }
.gk-cite-src { font-family: var(--font-mono); font-size: 12px; color: var(--body-text-color-subdued); }
.gk-cite-body { padding: 4px 12px 10px; border-top: 1px dashed var(--border-color-primary); font-size: 13.5px; }
.gk-dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 6px 0; }
.gk-dl dt { color: var(--body-text-color-subdued); font-size: 12.5px; white-space: nowrap; }
.gk-dl dd { margin: 0; word-break: break-word; }
.gk-quote { margin: 6px 0; padding: 6px 10px; border-left: 3px solid #93c5fd; background: var(--background-fill-secondary);
  font-family: var(--font-mono); font-size: 12.5px; white-space: pre-wrap; word-break: break-all; }
a.gk-view { display: inline-block; margin-top: 4px; padding: 3px 12px; border-radius: 6px; background: #1d4ed8;
  color: #fff !important; text-decoration: none !important; font-size: 13px; font-weight: 600; }
a.gk-view:hover { background: #1e40af; }
.gk-status { font-size: 11.5px; padding: 1px 7px; border-radius: 999px; font-weight: 600; }
.gk-status-exact { background: #dcfce7; color: #166534; }
.gk-status-inferred, .gk-status-ambiguous { background: #fef3c7; color: #92400e; }
.gk-status-derived { background: #e0f2fe; color: #075985; }
.gk-cites-h code.gk-cite-src { text-transform: none; letter-spacing: 0; font-weight: 400; }
.gk-more > summary { cursor: pointer; font-size: 13px; color: var(--color-accent, #1d4ed8); padding: 4px 2px; }
.gk-nocite, .gk-meta { font-size: 12px; color: var(--body-text-color-subdued); margin-top: 6px; }
.gk-meta { text-align: right; }

/* source panel */
#gk-source-col { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 10px; padding: 10px 12px; }
#gk-source { min-height: 200px; }
.gk-src-empty { text-align: center; padding: 40px 18px; line-height: 1.9; font-size: 14px; }
.gk-src-empty-icon { font-size: 34px; }
.gk-src-head { display: flex; gap: 10px; align-items: flex-start; margin: 4px 0 10px; }
.gk-src-head .gk-cite-n { margin-top: 3px; }
.gk-src-title { font-weight: 700; font-size: 15px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.gk-src-file { font-size: 12.5px; color: var(--body-text-color-subdued); }
.gk-src-where { font-size: 13.5px; margin-top: 2px; }
.gk-notice { border-radius: 6px; padding: 6px 10px; margin: 6px 0; font-size: 13px; }
.gk-notice-info { background: #eff6ff; color: #1e3a8a; }
.gk-notice-ok { background: #f0fdf4; color: #166534; }
.gk-notice-warn { background: #fffbeb; color: #92400e; }
.gk-notice-error { background: #fef2f2; color: #991b1b; }

/* tables */
.gk-table-wrap { overflow: auto; max-height: 430px; border: 1px solid var(--border-color-primary); border-radius: 8px; }
table.gk-table { border-collapse: separate; border-spacing: 0; font-size: 12.5px; width: 100%; }
.gk-table-cap { font-weight: 700; padding: 4px 2px 6px; font-size: 13px; }
#gk-source table.gk-table, #gk-table-view table.gk-table, table.gk-table { border: 0 !important; margin: 0 !important; }
table.gk-table th, table.gk-table td { border: 0 !important; border-bottom: 1px solid var(--border-color-primary) !important;
  border-right: 1px solid var(--border-color-primary) !important; padding: 4px 7px !important; }
table.gk-table tr > :last-child { border-right: 0 !important; }
table.gk-table thead { position: sticky; top: 0; z-index: 3; }
table.gk-table thead th { background: var(--background-fill-secondary);
  font-weight: 600; text-align: center; vertical-align: middle; min-width: 48px; line-height: 1.35; }
table.gk-table thead th.gk-th-group { font-weight: 500; color: var(--body-text-color-subdued); font-size: 12px; }
table.gk-table tbody th { text-align: left; font-weight: 400; min-width: 180px; max-width: 340px;
  background: var(--background-fill-primary); position: sticky; left: 0; z-index: 1; }
table.gk-table td.gk-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.gk-table td.gk-blank { background: repeating-linear-gradient(135deg, transparent 0 4px, rgba(148,163,184,.12) 4px 8px); }
table.gk-table tr.gk-rel-row th { background: #f8fafc; }
table.gk-table tr.gk-hit-row th, table.gk-table tr.gk-hit-row td { background: #fef9c3; }
table.gk-table thead th.gk-hit-col { background: #fde68a; }
table.gk-table td.gk-rel { background: #e0f2fe !important; outline: 2px dashed #38bdf8; outline-offset: -2px; font-weight: 700; }
table.gk-table td.gk-hit { background: #facc15 !important; color: #111827; font-weight: 800; font-size: 14px;
  outline: 3px solid #d97706; outline-offset: -3px; }
.dark table.gk-table tr.gk-hit-row th, .dark table.gk-table tr.gk-hit-row td { background: #3f3a12; }
.gk-empty { text-align: center; color: var(--body-text-color-subdued); padding: 14px; }

/* passages */
.gk-passage { font-size: 13px; line-height: 1.7; margin-top: 10px; border: 1px solid var(--border-color-primary);
  border-radius: 8px; overflow: hidden; }
.gk-passage-cap { font-weight: 700; font-size: 12.5px; padding: 5px 10px; background: var(--background-fill-secondary); }
.gk-line { display: flex; gap: 10px; padding: 0 10px; }
.gk-line.gk-focus { background: #fefce8; }
.dark .gk-line.gk-focus { background: #33301a; }
.gk-ln { flex: none; width: 36px; text-align: right; color: var(--body-text-color-subdued); font-family: var(--font-mono);
  font-size: 11.5px; user-select: none; padding-top: 1px; }
.gk-lt { white-space: pre-wrap; word-break: break-all; }
mark.gk-mark { background: #facc15; color: #111827; padding: 0 1px; border-radius: 2px; font-weight: 700; }

/* reports */
.gk-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; font-size: 13.5px;
  background: var(--background-fill-primary); }
.gk-card-warn { margin: 6px 0 0; padding-left: 16px; color: #92400e; font-size: 12.5px; }

.gk-findings-sum { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 13px; margin: 4px 0; }
.gk-sev { padding: 2px 10px; border-radius: 999px; }
.gk-sev-error { background: #fee2e2; color: #991b1b; }
.gk-sev-warning { background: #fef3c7; color: #92400e; }
.gk-sev-info { background: #e0f2fe; color: #075985; }

/* ingest outcome */
.gk-ingest { border-radius: 8px; padding: 10px 14px; border: 1px solid var(--border-color-primary); }
.gk-ingest-ok { border-left: 4px solid #16a34a; }
.gk-ingest-bad { border-left: 4px solid #dc2626; }
.gk-ingest-head { font-weight: 700; margin-bottom: 6px; }
.gk-ingest-list { list-style: none; padding: 0; margin: 0; }
.gk-ingest-list li { display: flex; gap: 10px; padding: 4px 0; border-top: 1px solid var(--border-color-primary); }
.gk-ingest-icon { width: 18px; text-align: center; font-weight: 700; }
.gk-ingest-added .gk-ingest-icon, .gk-ingest-replaced .gk-ingest-icon { color: #16a34a; }
.gk-ingest-error .gk-ingest-icon, .gk-ingest-reason { color: #dc2626; }
.gk-warn-text { color: #b45309; }
/* readiness, language switch */
.gk-ready { border-radius: 999px; padding: 4px 12px; font-size: 13px; border: 1px solid var(--border-color-primary); }
.gk-ready small { opacity: .8; margin-left: 4px; }
.gk-ready-busy { background: #fffbeb !important; color: #92400e !important; }
.gk-ready-busy::before { content: ""; display: inline-block; width: 9px; height: 9px; margin-right: 6px; border-radius: 50%;
  border: 2px solid #f59e0b; border-top-color: transparent; animation: gk-spin 1s linear infinite; }
@keyframes gk-spin { to { transform: rotate(360deg); } }
.gk-ready-ok { background: #f0fdf4 !important; color: #166534 !important; }
.gk-ready-bad { background: #fef2f2 !important; color: #991b1b !important; }
#gk-lang { align-self: center; }

/* next questions, formula, figures */
.gk-suggest { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
.gk-suggest-h { font-weight: 600; color: var(--body-text-color-subdued); margin-right: 2px; }
a.gk-ask { border: 1px solid #93c5fd; background: #eff6ff; color: #1d4ed8 !important; border-radius: 999px;
  padding: 2px 10px; text-decoration: none !important; }
a.gk-ask:hover { background: #dbeafe; }
.gk-formula { font-size: 12.5px; color: var(--body-text-color-subdued); margin: 4px 0; font-family: var(--font-mono); }
.gk-formula .gk-interp-h { font-family: var(--font-sans); margin-right: 6px; }

/* 报告对比 */
.gk-cmp-sum { font-weight: 700; font-size: 15px; margin: 2px 0 4px; }
.gk-cmp-files { font-size: 12.5px; margin-bottom: 8px; }
.gk-cmp-wrap { max-height: 520px; margin-bottom: 12px; }
table.gk-cmp-table tbody th { min-width: 220px; }
table.gk-cmp-table td.gk-cmp-col { font-size: 12px; color: var(--body-text-color-subdued); white-space: nowrap; }
table.gk-table tr.gk-changed th, table.gk-table tr.gk-changed td { background: #fffbeb; }
table.gk-table td.gk-cmp-hit { background: #fde68a !important; font-weight: 800; outline: 2px solid #f59e0b; outline-offset: -2px; }
table.gk-table td.gk-diff { font-weight: 700; }
td.gk-up { color: #b45309; }
td.gk-down { color: #1d4ed8; }
a.gk-cell-link { color: inherit !important; text-decoration: none !important; border-bottom: 1px dotted currentColor; cursor: pointer; }
a.gk-cell-link:hover { color: #1d4ed8 !important; }
.gk-verdict { font-weight: 700; padding: 1px 8px; border-radius: 999px; white-space: nowrap; }
.gk-verdict-ok { background: #dcfce7; color: #166534; }
.gk-verdict-error { background: #fee2e2; color: #991b1b; }
.gk-verdict-warning { background: #fef3c7; color: #92400e; }
.gk-verdict-missing, .gk-verdict-not_consecutive { background: var(--background-fill-secondary); color: var(--body-text-color-subdued); }
.gk-check-msg { font-size: 12px; margin-top: 2px; }
#gk-cmp-source-col { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 10px; padding: 10px 12px; }
"""
