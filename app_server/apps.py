"""Voice apps: folders with templates, grammars, prompts and a Python module ``app.py``.

```
sample_apps/fund_hotline/
  app.py            app = VoiceApp("fund_hotline", ...): page handlers, <data> endpoints,
                    back-end bindings, tables (metadata) and a first-run seed
  content.toml      the admin-editable IVR content (content.py)
  templates/        *.vxml.j2, extending "page.vxml.j2" and importing "ivr.vxml.j2"
  grammars/         served at /apps/NAME/grammars/...
  prompts/          recorded audio, served at /apps/NAME/prompts/...
```

A page is ``/apps/NAME/PAGE?call=ID``: the handler registered for PAGE, else the template
``PAGE.vxml.j2`` rendered with the common context. See ``server.py`` for what the context holds.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from .content import ContentStore
from .templating import make_environment

if TYPE_CHECKING:
    from .server import CallContext, Page

log = logging.getLogger(__name__)

PageHandler = Callable[["CallContext"], Awaitable["Page"]]
DataHandler = Callable[["CallContext"], Awaitable[Any]]


@dataclass
class VoiceApp:
    """What an app module declares. Decorators register handlers by page name."""

    name: str
    title: str = ""
    entry: str = "index"
    metadata: MetaData | None = None
    seed: Callable[[Session], None] | None = None
    sensitive: frozenset[str] = frozenset({"pin", "password"})
    apology_next: str = "index"
    services: dict[str, str] = field(default_factory=dict)  # name -> default URL (a path = this server)
    # Sample values per template (name -> list of value dicts) for the render-and-parse test and
    # for previews; a template missing here is rendered with the common context only.
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pages: dict[str, PageHandler] = field(default_factory=dict)
    data_handlers: dict[str, DataHandler] = field(default_factory=dict)
    extra_routes: list[tuple[str, str, Callable[..., Any]]] = field(default_factory=list)

    def page(self, name: str) -> Callable[[PageHandler], PageHandler]:
        def register(fn: PageHandler) -> PageHandler:
            self.pages[name] = fn
            return fn
        return register

    def data(self, name: str) -> Callable[[DataHandler], DataHandler]:
        """A ``<data>`` endpoint at /apps/NAME/data/NAME: the handler returns an lxml element."""
        def register(fn: DataHandler) -> DataHandler:
            self.data_handlers[name] = fn
            return fn
        return register

    def route(self, method: str, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A plain aiohttp route under /apps/NAME/ (a stand-in back-end service, say)."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.extra_routes.append((method, path, fn))
            return fn
        return register


@dataclass
class LoadedApp:
    """An app at run time: its declaration, folder, Jinja environment and content store."""

    spec: VoiceApp
    folder: Path
    env: Environment
    content: ContentStore

    @property
    def name(self) -> str:
        return self.spec.name

    def template_names(self) -> list[str]:
        folder = self.folder / "templates"
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.vxml.j2"))


def discover(folders: Iterable[Path]) -> list[Path]:
    """App folders: each given folder that has ``app.py``, else its children that have one."""
    found: list[Path] = []
    for folder in folders:
        if (folder / "app.py").is_file():
            found.append(folder)
        elif folder.is_dir():
            found.extend(sorted(p for p in folder.iterdir() if (p / "app.py").is_file()))
    return found


def import_app(folder: Path) -> VoiceApp:
    """Import ``folder/app.py`` as ``vxml_apps.<folder>.app`` (so it may import its siblings
    relatively: ``from .models import ...``) and return its ``app``."""
    if "vxml_apps" not in sys.modules:
        root = types.ModuleType("vxml_apps")
        root.__path__ = []
        sys.modules["vxml_apps"] = root
    pkg_name = f"vxml_apps.{folder.name}"
    if pkg_name not in sys.modules:
        pkg = types.ModuleType(pkg_name)
        pkg.__path__ = [str(folder)]
        sys.modules[pkg_name] = pkg
    elif list(sys.modules[pkg_name].__path__) != [str(folder)]:
        raise ImportError(f"two app folders named {folder.name!r}")
    module = importlib.import_module(f"{pkg_name}.app")
    app = getattr(module, "app", None)
    if not isinstance(app, VoiceApp):
        raise ImportError(f"{folder}/app.py: expected a VoiceApp named 'app', found {type(app).__name__}")
    return app


def load_app(folder: Path, db: Any) -> LoadedApp:
    spec = import_app(folder)
    env = make_environment(folder / "templates")
    content = ContentStore(spec.name, folder / "content.toml", db)
    return LoadedApp(spec, folder, env, content)
