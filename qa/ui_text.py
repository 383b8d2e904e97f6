"""Every word the web UI shows, in Chinese and English: one table, one language at a time.

    >>> t("tab.chat", "en")
    'Chat'
    >>> t("sources.head", "zh", n=3)
    '来源 · 3'

A key maps to ``(zh, en)``; ``{name}`` fields are filled from keyword arguments. The page is
Chinese unless the reader switches it; answers keep the question's language (the engine's).
"""
from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, tuple[str, str]] = {
    # -- page
    "page.title": ("政府信息公开年报问答", "Disclosure reports Q&A"),
    "page.subtitle": ("gongkai · 每个数字都有出处", "gongkai · every figure cites its source"),
    "lang.switch": ("English", "中文"),  # the button names the other language
    "status.ready": ("✓ 已就绪", "✓ ready"),
    "status.loading_model": ("索引准备中… 正在加载模型", "Preparing the index… loading the model"),
    "status.embedding": ("索引准备中… {done}/{total}", "Preparing the index… {done}/{total}"),
    "status.tables_ok": ("表格问题可以随时提问", "table questions are answered meanwhile"),
    "status.failed": ("⚠ 正文检索不可用: {error}", "⚠ text search unavailable: {error}"),
    "status.off": ("正文检索: 关键词 (未启用向量索引)", "text search: keywords (no vector index)"),
    "login.title": ("gongkai · 请登录", "gongkai · please sign in"),
    "login.throttled": ("登录失败次数过多，请 {s} 秒后再试", "too many failed logins; try again in {s} s"),
    "stats.reports": ("份报告", "reports"),
    "stats.cells": ("个单元格", "cells"),
    "stats.findings": ("条数据问题", "findings"),
    # -- tabs and buttons
    "tab.chat": ("问答", "Chat"),
    "tab.compare": ("报告对比", "Compare years"),
    "tab.reports": ("报告", "Reports"),
    "tab.upload": ("上传", "Upload"),
    "tab.tables": ("表格", "Tables"),
    "tab.quality": ("数据质量", "Data quality"),
    "btn.ask": ("提问", "Ask"),
    "btn.new_chat": ("新对话", "New chat"),
    "btn.export_all_csv": ("导出全部 CSV", "Export all (CSV)"),
    "btn.export_all_xlsx": ("导出全部 Excel", "Export all (Excel)"),
    "btn.csv": ("下载 CSV", "Download CSV"),
    "btn.xlsx": ("下载 Excel", "Download Excel"),
    "btn.cells_csv": ("下载所用单元格 CSV", "Download these cells (CSV)"),
    # -- chat
    "chat.empty": ("<b>请提问</b><br>关于已收录年报中的任何数字：申请数量、办理结果、复议诉讼、主动公开……<br>"
                   "<span class='gk-muted'>答案会引用表格单元格或原文段落。</span>",
                   "<b>Ask a question</b><br>About any figure in the ingested annual reports: requests, outcomes, "
                   "reviews and lawsuits, proactive disclosure…<br><span class='gk-muted'>Answers cite the table "
                   "cell or passage.</span>"),
    "chat.placeholder": ("例如：泰安市行政审批服务局2024年不予公开的申请有多少件？  (Enter 发送)",
                         "e.g. How many requests did 淮安市人民政府 receive in 2024?  (Enter to send)"),
    "chat.examples": ("示例问题（点击提问）", "Examples (click to ask)"),
    "chat.suggest": ("接着问", "Ask next"),
    "chat.figures": ("图表与所用单元格", "Chart and the cells used"),
    "source.title": ("来源", "Source"),
    "source.hint": ("原表与原文", "the table and text as reported"),
    "source.picker": ("本答案的引用", "Citations of this answer"),
    "source.empty": ("提问后，点击答案中的 <b>查看来源</b> 或上方的引用，<br>这里会显示报告原表（高亮被引用的单元格）或原文段落。",
                     "Ask a question, then pick a citation (or <b>View source</b> in the answer):<br>the report "
                     "table with the cited cell highlighted, or the cited passage in context, appears here."),
    # -- an answer
    "kind.table": ("表格数据", "table"),
    "kind.derived": ("推算", "derived"),
    "kind.aggregate": ("汇总", "aggregate"),
    "kind.series": ("逐项", "series"),
    "kind.prose": ("正文", "passage"),
    "kind.metadata": ("报告信息", "report details"),
    "kind.findings": ("数据质量", "findings"),
    "kind.not_found": ("未找到", "not found"),
    "kind.ambiguous": ("有歧义", "ambiguous"),
    "kind.error": ("出错了", "error"),
    "answer.check": ("⚠ 请注意", "⚠ Check"),
    "answer.understood": ("理解为", "Understood as"),
    "answer.sources": ("来源 · {n}", "Sources · {n}"),
    "answer.more": ("其余 {n} 条来源", "show {n} more"),
    "answer.nocite": ("没有引用来源", "no citation"),
    "answer.formula": ("计算", "computed as"),
    "answer.error": ("这个问题暂时无法回答：{question}", "This question could not be answered: {question}"),
    "interp.agency": ("机关", "agency"),
    "interp.years": ("年份", "years"),
    "interp.year": ("年份", "year"),
    "interp.metric": ("指标", "figure"),
    "interp.column": ("列", "column"),
    "interp.superlative": ("比较", "compare"),
    "interp.max": ("最多", "max"),
    "interp.min": ("最少", "min"),
    # -- citations
    "cite.passage": ("正文", "passage"),
    "cite.view": ("查看来源 →", "View source →"),
    "cite.view_title": ("在右侧显示原表/原文", "show it in the source panel"),
    "cite.report": ("报告", "Report"),
    "cite.location": ("位置", "Location"),
    "cite.table": ("表格", "Table"),
    "cite.row": ("行", "Row"),
    "cite.column": ("列", "Column"),
    "cite.value": ("数值", "Value"),
    "cite.status": ("状态", "Status"),
    "cite.page": ("第{n}页", "p. {n}"),
    "cite.page_long": ("第 {n} 页", "page {n}"),
    "cite.line": ("第{n}行", "line {n}"),
    "cite.line_long": ("第 {n} 行", "line {n}"),
    "status.exact": ("原文", "as printed"),
    "status.inferred": ("⚠ 推断", "⚠ inferred"),
    "status.ambiguous": ("⚠ 有歧义", "⚠ ambiguous"),
    "status.derived": ("∑ 推算", "∑ derived"),
    "hint.inferred": ("单元格位置由模板与算术推断", "cell placed by template order / arithmetic"),
    "hint.ambiguous": ("数字粘连，有多种读法", "digits run together: several readings fit"),
    "hint.derived": ("由其他单元格计算得出，报告未直接列出", "computed from other cells, not printed in the report"),
    "table.二": ("表二 主动公开", "Table 2 · proactive disclosure"),
    "table.三": ("表三 依申请公开", "Table 3 · requests"),
    "table.四": ("表四 复议诉讼", "Table 4 · reviews & lawsuits"),
    "table.统计表": ("统计表", "statistics table"),
    "table.short": ("表{t}", "Table {t}"),
    "table.empty": ("此表没有数据", "no cells in this table"),
    "passage.empty": ("没有可显示的原文", "no text to show"),
    "passage.source_text": ("原文", "Source text"),
    "passage.context": ("原文上下文", "Passage in context"),
    "source.not_in_store": ("报告 {source} 不在库中", "report {source} is not in the store"),
    "source.cell_not_located": ("表中未找到被引用的单元格（下方为原文）", "the cited cell was not located in the grid "
                                                            "(the source text is below)"),
    "source.passage_not_located": ("找不到被引用的原文位置", "the cited passage was not located"),
    "source.failed": ("无法显示来源：{error}", "cannot show the source: {error}"),
    "example.1": ("泰安市行政审批服务局2024年不予公开的申请有多少件？",
                  "How many requests did 泰安市行政审批服务局 refuse in 2024?"),
    "example.2": ("淮安市人民政府2024年收到多少件申请？", "How many requests did 淮安市人民政府 receive in 2024?"),
    "example.3": ("洪泽区2023年行政复议总计几件？", "How many administrative reviews did 淮安市洪泽区人民政府 have in 2023?"),
    "example.4": ("2024年哪个机关收到的申请最多？", "Which agency received the most requests in 2024?"),
    "example.5": ("马尚街道2023年发布政策解读几篇？", "How many policy interpretations did 马尚街道 publish in 2023?"),
    "example.6": ("阿尔丁大街街道办事处2024年新收政府信息公开申请多少件？",
                  "How many new requests did 阿尔丁大街街道办事处 receive in 2024?"),
    # -- figures of an answer
    "data.value": ("数值", "value"),
    "data.agency": ("机关", "agency"),
    "data.year": ("年份", "year"),
    "data.source": ("来源文件", "source file"),
    "data.table": ("表", "table"),
    "data.row": ("行", "row"),
    "data.column": ("列", "column"),
    "data.cell_id": ("单元格 ID", "cell id"),
    # -- suggestions
    "suggest.year": ("{agency}{year}年{metric}是多少？", "What was {metric} of {agency} in {year}?"),
    "suggest.series": ("{agency}{first}到{last}年{metric}分别多少？", "{metric} of {agency} from {first} to {last}?"),
    "suggest.rank": ("{year}年哪个机关{metric}最多？", "Which agency had the most {metric} in {year}?"),
    # -- reports
    "reports.filter": ("筛选：机关、年份、文件名…", "Filter by agency, year, file…"),
    "reports.label": ("已收录报告（点击行查看）", "Ingested reports (click a row)"),
    "reports.pick": ("报告", "Report"),
    "reports.none": ("请选择一份报告", "select a report"),
    "reports.no_tables": ("此报告没有解析出表格", "no tables were parsed from this report"),
    "reports.all": ("显示全部报告", "All reports"),
    "reports.all_scope": ("全部 {n} 份报告", "all {n} reports"),
    "findings.label": ("校验发现", "Validation findings"),
    "findings.none": ("未发现问题：报告自身的勾稽关系都成立", "no findings: the report's own identities hold"),
    "col.agency": ("机关", "Agency"),
    "col.year": ("年份", "Year"),
    "col.template": ("模板", "Template"),
    "col.source": ("来源文件", "Source"),
    "col.cells": ("单元格", "Cells"),
    "col.findings": ("问题", "Findings"),
    "col.id": ("ID", "ID"),
    "col.severity": ("级别", "Severity"),
    "col.rule": ("规则", "Rule"),
    "col.message": ("说明", "Message"),
    "col.table": ("表", "Table"),
    "col.row": ("行", "Row"),
    "col.column": ("列", "Column"),
    "col.reported": ("报告值", "Reported"),
    "col.computed": ("计算值", "Computed"),
    "sev.error": ("错误", "error"),
    "sev.warning": ("警告", "warning"),
    "sev.info": ("提示", "info"),
    "card.agency": ("机关", "Agency"),
    "card.year": ("年份", "Year"),
    "card.file": ("文件", "File"),
    "card.template": ("模板", "Template"),
    "card.format": ("格式", "Format"),
    "card.pages": ("{n} 页", "{n} pages"),
    "card.published": ("发布", "Published"),
    "card.aliases": ("别名", "Aliases"),
    "card.cells": ("单元格", "Cells"),
    "card.findings": ("问题", "Findings"),
    "card.unknown": ("未识别", "unknown"),
    # -- upload
    "upload.title": ("添加报告", "Add reports"),
    "upload.hint": ("支持 txt / md / html / pdf / docx。上传后自动解析表格、校验数据并收录；无法解析的文件会给出原因，不影响其他文件。",
                    "txt / md / html / pdf / docx. Files are parsed, checked and added to the store; a file that "
                    "cannot be read is reported with its reason and nothing else is affected."),
    "upload.drop": ("选择或拖入文件", "Drop files here"),
    "upload.progress": ("导入 {n} 个文件…", "ingesting {n} file(s)…"),
    "upload.failed": ("导入失败：{error}", "ingest failed: {error}"),
    "ingest.done": ("导入完成 · 新增 {added} · 未变 {unchanged} · 替换 {replaced} · 失败 {failed} · 共 {reports} 份报告 · {s} s",
                    "Done · added {added} · unchanged {unchanged} · replaced {replaced} · failed {failed} · "
                    "{reports} reports · {s} s"),
    "ingest.added": ("新增", "added"),
    "ingest.unchanged": ("未变", "unchanged"),
    "ingest.replaced": ("替换", "replaced"),
    "ingest.error": ("失败", "failed"),
    "ingest.counts": ("{cells} 个单元格 · {findings} 条问题", "{cells} cells · {findings} findings"),
    # -- compare
    "cmp.agency": ("机关", "Agency"),
    "cmp.year_a": ("年份 A", "Year A"),
    "cmp.year_b": ("年份 B", "Year B"),
    "cmp.only_changed": ("只看有变化的单元格", "Only changed cells"),
    "cmp.none": ("没有两个年度以上报告的机关", "no agency has reports of two years yet"),
    "cmp.pick": ("请选择机关和两个年份", "pick an agency and two of its years"),
    "cmp.same_year": ("请选择两个不同的年份", "pick two different years"),
    "cmp.summary": ("{agency} · {a} 年 对比 {b} 年 · {changed} 个单元格有变化（共 {total} 个）",
                    "{agency} · {a} vs {b} · {changed} of {total} cells changed"),
    "cmp.row": ("行", "Row"),
    "cmp.column": ("列", "Column"),
    "cmp.diff": ("差额", "Difference"),
    "cmp.no_changes": ("此表没有变化", "nothing changed in this table"),
    "cmp.checks": ("跨年度核对", "Cross-year checks"),
    "cmp.check": ("核对项", "Check"),
    "cmp.expected": ("上年推得", "From last year"),
    "cmp.reported": ("本年报告", "This year's report"),
    "cmp.verdict": ("结论", "Verdict"),
    "cmp.carry": ("上年结转 = 上年的结转下年度", "carried over = last year's carried forward"),
    "cmp.in_force": ("现行有效 = 上年现行有效 + 本年制发 − 本年废止",
                     "in force = last year's in force + issued − repealed"),
    "verdict.ok": ("✓ 一致", "✓ consistent"),
    "verdict.error": ("✗ 不一致", "✗ inconsistent"),
    "verdict.warning": ("⚠ 不一致", "⚠ inconsistent"),
    "verdict.missing": ("缺少数字", "a figure is missing"),
    "verdict.not_consecutive": ("不适用（两年不相邻）", "n/a (years not consecutive)"),
    "cmp.open": ("点击任一数字查看其原表", "click any figure to see it in its table"),
}


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The text of *key* in *lang* (``zh`` | ``en``), its ``{fields}`` filled in."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**fields) if fields else text


def examples(lang: str = DEFAULT_LANG) -> list[str]:
    """The example questions shown under the chat, in *lang*."""
    return [t(k, lang) for k in sorted(k for k in STRINGS if k.startswith("example."))]


def norm_lang(lang: object) -> str:
    return lang if lang in LANGS else DEFAULT_LANG  # type: ignore[return-value]
