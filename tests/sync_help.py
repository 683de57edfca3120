"""Copy the clerks' manual and the screenshots it shows from docs/ into the package
(monitor/web/manual/), where an installed dashboard's /help reads them; stale screenshots
there are removed. Run from the repository's root after editing docs/操作手册.md or
re-taking screenshots: `python -m tests.sync_help`. tests/test_help.py fails until the copy
equals docs/."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS_MANUAL = ROOT / "docs" / "操作手册.md"
DOCS_SHOTS = ROOT / "docs" / "screenshots"


def wanted() -> dict[Path, Path]:
    """shipped file → its docs/ original: the manual, then every screenshot it shows."""
    from monitor.web import helpdoc

    manual = helpdoc.render(DOCS_MANUAL.read_text(encoding="utf-8"))
    pairs = {helpdoc.MANUAL_FILE: DOCS_MANUAL}
    for name in manual.images:
        pairs[helpdoc.SCREENSHOTS / name] = DOCS_SHOTS / name
    return pairs


def main() -> None:
    from monitor.web import helpdoc

    pairs = wanted()
    helpdoc.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for shipped, original in pairs.items():
        if not original.exists():
            print(
                f"缺少 {original.relative_to(ROOT)}：先生成截图（见 tests/test_help_chromium.py）"
            )
            continue
        if not shipped.exists() or shipped.read_bytes() != original.read_bytes():
            shutil.copyfile(original, shipped)
            print(f"已复制 {original.relative_to(ROOT)} → {shipped.relative_to(ROOT)}")
    for stale in helpdoc.SCREENSHOTS.iterdir():
        if stale not in pairs:
            stale.unlink()
            print(f"已删除 {stale.relative_to(ROOT)}（手册已不再引用）")


if __name__ == "__main__":
    main()
