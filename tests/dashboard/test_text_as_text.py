"""Static guard: no Streamlit call that reads Markdown (or HTML) is given text that came from a
user, a system or the deployment file unless it went through the escaping helper.

Every file under ``dashboard/`` is parsed; each call that Streamlit renders as Markdown (bodies
of ``st.markdown``/``st.caption``/alerts/toasts, labels of buttons, links, widgets, metrics,
expanders, tabs, badges, ``help=`` tooltips, image captions, the options of radios, pills and
segmented controls) must receive an expression built only from *worded* parts:

* literals, and translations (``t``/``tr``/``label``) whose parameters are themselves worded;
* :func:`dashboard.shared.text.md` (for Markdown) or ``html.escape`` (for ``st.html``);
* numbers and times the code formats itself (``len``, ``int``, ``local_time``, ``{n:,}`` …);
* f-strings, ``+``, ``join`` and conditionals of worded parts; local names assigned only
  worded values; functions of the same module that return only worded values.

Anything else (an attribute such as ``case.title``, a subscript, a parameter) is a finding,
unless :data:`REVIEWED` lists it with the reason it is safe. A finding names the file, the
function and the expression, so a new page that prints a name without ``md()`` fails here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard"

#: Streamlit methods whose first positional argument (or the keyword) is read as Markdown.
BODY = {"markdown": "body", "caption": "body", "title": "body", "header": "body", "subheader": "body",
        "info": "body", "warning": "body", "error": "body", "success": "body", "toast": "body",
        "exception": "exception", "badge": "label", "spinner": "text"}
LABEL = {"button", "link_button", "download_button", "form_submit_button", "popover", "expander",
         "status", "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
         "number_input", "slider", "select_slider", "date_input", "time_input", "datetime_input",
         "file_uploader", "camera_input", "color_picker", "pills", "segmented_control", "metric",
         "audio_input", "feedback", "menu_button"}
#: Methods whose options are drawn as Markdown (select boxes draw their options as plain text).
MARKDOWN_OPTIONS = {"radio", "pills", "segmented_control"}
#: Receivers that are loggers, not Streamlit (``log.error(...)``).
LOGGERS = {"log", "logger", "_log", "LOG", "logging", "warnings"}
#: Calls whose result is worded whatever their arguments (numbers, times, enum labels).
WORDED_CALLS = {"len", "int", "float", "round", "range", "sum", "min", "max", "abs", "local_time", "local_date",
                "duration", "percent", "label", "current_lang", "md"}
#: Calls whose result is worded when their arguments are.
PASSING = {"str", "dumps", "enumerate", "sorted", "strip", "upper", "lower", "removesuffix", "removeprefix", "replace"}
#: Arithmetic gives numbers (``+`` and ``%`` may join strings, so they are judged by their parts).
NUMERIC = (ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow)
TRANSLATIONS = {"t", "tr"}
HTML_ESCAPES = {"escape"}  # html.escape / from html import escape


@dataclass(frozen=True)
class Finding:
    path: str
    function: str
    source: str

    def __str__(self) -> str:
        return f"{self.path} · {self.function} · {self.source}"


#: (file, function, expression) → why it is safe. Keep it short; each entry was read.
REVIEWED: dict[tuple[str, str, str], str] = {
    ("dashboard/desk/page.py", "desk", "flash"):
        "a flash message; every store of one (st.session_state[...flash...] = ...) is checked",
    ("dashboard/desk/case_actions.py", "actions_panel", "flash"):
        "as above",
    ("dashboard/shared/forms.py", "_text_area", "caption"):
        "form captions are t(caption key) + ' *', built in action_form",
    ("dashboard/shared/forms.py", "_text", "caption"): "as above",
    ("dashboard/shared/forms.py", "widget", "caption"): "as above",
    ("dashboard/shared/forms.py", "_order", "caption"): "as above",
    ("dashboard/shared/forms.py", "_case_number", "caption"): "as above",
    ("dashboard/shared/forms.py", "_photos", "caption"): "as above",
    ("dashboard/shared/forms.py", "_day", "caption"): "as above",
    ("dashboard/desk/case_clips.py", "clips", "t('clips.line', interval=md(row.interval), seconds=row.seconds, by=md(row.by))"):
        "the interval and the name are escaped; seconds is an int",
    ("dashboard/desk/case_clips.py", "clips", "clip_html(row)"):
        "st.html of the clip's integer id and translated labels passed through html.escape",
    ("dashboard/desk/case_clips.py", "clips", "t('clips.sha', short=row.short_sha)"):
        "twelve hex digits of a SHA-256 computed by the product",
    ("dashboard/shared/forms.py", "_pick", "caption"): "callers pass _part(caption, key): translations",
    ("dashboard/desk/intake.py", "_select", "caption + (' *' if required else '')"):
        "every caller passes t(...)",
    ("dashboard/desk/archive.py", "pick", "text"): "every caller passes t(...)",
    ("dashboard/shared/forms.py", "_targets", "_part(caption, sub)"): "as _pick",
    ("dashboard/desk/inbox.py", "_inbox", "_tab_label(Tab(v), counts, unseen, lang)"):
        "tab names from the table with their counts (ints from inbox_counts)",
    ("dashboard/desk/page.py", "desk", "tr(f'desk.view.{v}', lang, n=counts.get(v, 0))"):
        "view names from the table with their counts (ints from queue_counts)",
    ("dashboard/desk/rows.py", "draw_rows", "text"):
        "badge texts are labels and t(...) of durations (inbox_row, archived_row, case_row, hit_row)",
    ("dashboard/alerts/card.py", "flash", "(kind, text, time.monotonic() + seconds)"):
        "a flash message; every caller passes t(...) with md() or int parameters",
    ("dashboard/briefings/actions.py", "flash", "(kind, text, time.monotonic() + seconds)"):
        "a flash message; every caller passes tr(...) of the table, its one parameter a kind's name from the table",
    ("dashboard/admin/page.py", "<module>", "notice"):
        "st.session_state['admin_notice'] is only ever set to t(...) with md() parameters",
}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of ``scope`` outside the functions and lambdas defined in it."""
    out, todo = [], list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo += ast.iter_child_nodes(node)
    return out


def _flash(target: ast.AST) -> bool:
    """``st.session_state["console_flash"] = …``: a message the next run shows as Markdown."""
    if not isinstance(target, ast.Subscript) or _name(target.value) != "session_state":
        return False
    key = target.slice
    text = key.value if isinstance(key, ast.Constant) else _name(key)
    return isinstance(text, str) and "flash" in text.lower()


class Module:
    """One parsed file: its functions (by name) and the assignments of each scope."""

    def __init__(self, path: Path, source: str | None = None) -> None:
        self.path = path
        self.rel = str(path.relative_to(ROOT))
        self.tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
        self.functions: dict[str, ast.FunctionDef] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.FunctionDef):
                self.functions.setdefault(node.name, node)
        self.findings: list[Finding] = []
        #: Names imported from other modules → that module's file (absent for libraries).
        self.imports: dict[str, Path] = {}
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                source = ROOT / (node.module.replace(".", "/") + ".py")
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = source

    def scope_of(self, node: ast.AST) -> ast.AST:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return self.tree

    def function_name(self, node: ast.AST) -> str:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node.name
        return "<module>"

    def assignments(self, scope: ast.AST, name: str) -> list[ast.AST] | None:
        """Values assigned to ``name`` in ``scope`` (None when it is bound otherwise: a
        parameter, a loop or ``with`` target, an import)."""
        values: list[ast.AST] = []
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            params = scope.args
            for arg in (*params.posonlyargs, *params.args, *params.kwonlyargs):
                if arg.arg == name:  # a number by its annotation is worded; any other parameter not
                    numeric = isinstance(arg.annotation, ast.Name) and arg.annotation.id in {"int", "float", "bool"}
                    return [ast.Constant(0)] if numeric else None
        for node in _own_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        values.append(node.value)
                    elif isinstance(target, (ast.Tuple, ast.List)) and any(
                            isinstance(e, ast.Name) and e.id == name for e in target.elts):
                        return None
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                    and node.target.id == name and node.value is not None:
                values.append(node.value)
            elif isinstance(node, (ast.For, ast.comprehension)) and name in {
                    n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}:
                values.append(node.iter)  # a loop name is as worded as what it runs over
            elif isinstance(node, ast.NamedExpr) and node.target.id == name:
                values.append(node.value)
        return values

    def worded(self, node: ast.AST, html: bool, seen: frozenset[str] = frozenset()) -> bool:
        """Whether ``node`` is built only from worded parts (see the module docstring)."""
        w = lambda n: self.worded(n, html, seen)  # noqa: E731
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(w(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            spec = node.format_spec
            numeric = spec is not None and any(
                isinstance(v, ast.Constant) and str(v.value)[-1:] in "%dfeg," for v in spec.values)
            return numeric or w(node.value)
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, NUMERIC) or (w(node.left) and w(node.right))
        if isinstance(node, ast.UnaryOp):
            return w(node.operand)
        if isinstance(node, ast.Starred):
            return w(node.value)
        if isinstance(node, ast.IfExp):
            return w(node.body) and w(node.orelse)
        if isinstance(node, ast.BoolOp):
            return all(w(v) for v in node.values)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(w(e) for e in node.elts)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return w(node.elt)
        if isinstance(node, ast.Compare):
            return True  # a bool
        if isinstance(node, ast.Call):
            return self._worded_call(node, html, seen)
        if isinstance(node, ast.Name):
            if node.id in seen:
                return True  # recursion: judged where it started
            values = self.assignments(self.scope_of(node), node.id)
            if values is None and self.scope_of(node) is not self.tree:
                return False
            if not values:
                values = self.assignments(self.tree, node.id)
            if not values and node.id in self.imports:
                return node.id.isupper()  # a constant of the code (LAYOUTS, KIOSK_CSS)
            return bool(values) and all(self.worded(v, html, seen | {node.id}) for v in values)
        return False

    def _worded_call(self, node: ast.Call, html: bool, seen: frozenset[str]) -> bool:
        name = _name(node.func)
        w = lambda n: self.worded(n, html, seen)  # noqa: E731
        if name in TRANSLATIONS:
            return all(w(k.value) for k in node.keywords if k.arg != "lang")
        if html and name in HTML_ESCAPES:
            return True
        if not html and name == "md":
            return True
        if name in WORDED_CALLS - {"md"}:
            return True
        if name in PASSING:
            inner = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute) and name != "dumps":
                inner.append(node.func.value)
            return all(w(a) for a in inner)
        if isinstance(node.func, ast.Name) and node.func.id not in self.functions:
            aliased = self.assignments(self.scope_of(node), node.func.id) or self.assignments(self.tree, node.func.id)
            if aliased and len(aliased) == 1 and isinstance(aliased[0], (ast.Name, ast.Attribute)):
                alias = _name(aliased[0])  # esc = html.escape
                return (html and alias in HTML_ESCAPES) or (not html and alias == "md")
            if node.func.id in self.imports and name not in seen:
                other = _module(self.imports[node.func.id])
                fn = other.functions.get(name) if other is not None else None
                if fn is not None:
                    returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None]
                    return bool(returns) and all(other.worded(r, html, seen | {name}) for r in returns)
        if name == "join" and isinstance(node.func, ast.Attribute):
            return w(node.func.value) and all(w(a) for a in node.args)
        if name in {"strip", "upper", "lower", "removesuffix", "removeprefix"} and isinstance(node.func, ast.Attribute):
            return w(node.func.value)
        if isinstance(node.func, ast.Name) and node.func.id in self.functions and name not in seen:
            fn = self.functions[node.func.id]
            returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None]
            return bool(returns) and all(self.worded(r, html, seen | {name}) for r in returns)
        return False

    def check(self, node: ast.AST, html: bool) -> None:
        if node is None or self.worded(node, html):
            return
        finding = Finding(self.rel, self.function_name(node), ast.unparse(node))
        self.findings.append(finding)

    def check_options(self, node: ast.Call, kw: dict[str | None, ast.expr]) -> None:
        """A format function's result; its argument is worded when the options are (a tuple
        of literals or constants of the code)."""
        func = kw["format_func"]
        options = node.args[1] if len(node.args) > 1 else kw.get("options")
        if not isinstance(func, ast.Lambda):
            self.check(func, html=False)
            return
        given = frozenset(a.arg for a in func.args.args)
        if options is not None and self.worded(options, False) and self.worded(func.body, False, given):
            return
        self.check(func.body, html=False)

    def scan(self) -> list[Finding]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and any(_flash(t) for t in node.targets):
                self.check(node.value, html=False)  # shown later by st.success(flash)
                continue
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method, receiver = node.func.attr, node.func.value
            if isinstance(receiver, ast.Constant) or _root(receiver) in LOGGERS:
                continue
            streamlit = _root(receiver) == "st"
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if method == "html" and streamlit:
                for arg in node.args[:1] or [kw.get("body")]:
                    self.check(arg, html=True)
                continue
            if method in BODY:
                if method in {"title", "header", "subheader", "exception"} and not streamlit:
                    continue
                self.check(node.args[0] if node.args else kw.get(BODY[method]), html=False)
            elif method in LABEL:
                self.check(node.args[0] if node.args else kw.get("label"), html=False)
                if method in MARKDOWN_OPTIONS and "format_func" in kw:
                    self.check_options(node, kw)
                if "captions" in kw:
                    self.check(kw["captions"], html=False)
            elif method == "tabs" and streamlit:
                self.check(node.args[0] if node.args else kw.get("tabs"), html=False)
            elif method == "image" and "caption" in kw:
                self.check(kw["caption"], html=False)
            elif method == "page_link" and "label" in kw:
                self.check(kw["label"], html=False)
            else:
                continue
            if "help" in kw:
                self.check(kw["help"], html=False)
        return self.findings


_MODULES: dict[Path, Module | None] = {}


def _module(path: Path) -> Module | None:
    if path not in _MODULES:
        _MODULES[path] = Module(path) if path.exists() else None
    return _MODULES[path]


def findings() -> list[Finding]:
    out: list[Finding] = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "streamlit" not in text:
            continue
        out += Module(path).scan()
    return out


def _unreviewed() -> list[Finding]:
    return [f for f in findings() if (f.path, f.function, f.source) not in REVIEWED]


@pytest.mark.parametrize("area", sorted(p.name for p in DASHBOARD.iterdir() if p.is_dir() and p.name != "__pycache__"))
def test_markdown_reading_calls_get_only_worded_or_escaped_text(area: str) -> None:
    found = [f for f in _unreviewed() if f.path.startswith(f"dashboard/{area}/")]
    assert not found, "user or deployment text reaches Markdown unescaped (wrap it in md()):\n" + \
        "\n".join(map(str, found))


def test_every_reviewed_exception_still_exists() -> None:
    """An allow-list entry whose code is gone is removed, so the list stays the reviewed truth."""
    present = {(f.path, f.function, f.source) for f in findings()}
    assert not set(REVIEWED) - present, sorted(set(REVIEWED) - present)


SAMPLES = {
    "caption of a title": ("st.caption(case.title)", False),
    "button of a camera name": ("st.button(f'{cam.name} · ' + t('x'))", False),
    "translation with a user parameter": ("st.error(t('case.no_picture', camera=name))", False),
    "image caption with an account name": ("st.image(x, caption=[f'{p.taken} · {p.by}' for p in shown])", False),
    "radio options from a dict": ("st.radio(t('x'), opts, format_func=names.get)", False),
    "html with a raw value": ("st.html(f'<b>{row.name}</b>')", False),
    "html escaped with md only": ("st.html(f'<b>{md(row.name)}</b>')", False),
    "metric label": ("col.metric(center.name, 3)", False),
    "escaped title": ("st.caption(md(case.title))", True),
    "translation with an escaped parameter": ("st.error(t('case.no_picture', camera=md(name)))", True),
    "numbers": ("st.caption(t('cameras.summary', n=len(rows), online=online))\nonline = 3", True),
    "number format": ("m.metric(t('kpi.reported'), f\"{k['reported']:,}\")", True),
    "html escaped": ("st.html(f'<b>{html.escape(row.name)}</b>')", True),
    "select box options are plain text": ("st.selectbox(t('x'), opts, format_func=names.get)", True),
    "logger": ("log.error(case.title)", True),
    "loop over names": ("for c in case.centers:\n    st.button(c)", False),
    "loop over numbers": ("for i in range(1, 4):\n    st.button(t('wall.screen.of', k=i, n=3))", True),
    "flash stored raw": ("st.session_state['console_flash'] = t('case.snapshot_saved', camera=name)", False),
    "flash stored escaped": ("st.session_state[FLASH] = t('case.snapshot_saved', camera=md(name))", True),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_guard_tells_escaped_from_raw(name: str) -> None:
    """The checker itself: each sample is judged as a reader would."""
    source, clean = SAMPLES[name]
    body = "\n".join("    " + line for line in source.splitlines())
    module = Module(ROOT / "dashboard" / "_sample.py", "import html\nimport streamlit as st\n"
                    "def f(name, cam, case, row, rows, p, shown, x, opts, names, col, center, k, m):\n" + body)
    assert (not module.scan()) is clean, source
