"""The shared sample portal serves the Lu'an shapes it promises (others build on it)."""

from __future__ import annotations

import json
import tomllib
import urllib.error
import urllib.request
from datetime import datetime

import pytest

from monitor.demo.sampleportal import SamplePortal, luan_profile_text


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


@pytest.fixture
def portal():
    p = SamplePortal(encoding="gbk")
    p.start()
    yield p
    p.stop()


def test_html_list_detail_gbk_paging_and_modes(portal: SamplePortal) -> None:
    base = portal.base_url
    for n in range(25):
        portal.add_message(
            f"m{n:03d}", f"关于道路维修的问题{n}", datetime(2026, 11, 1 + n % 20, 9, n)
        )
    portal.add_message("secret", "不公开来信", datetime(2026, 11, 25, 9, 0), public=False)
    portal.reply("m000", datetime(2026, 11, 3, 16, 20), department="综合科", text="已处理")
    status, body, ctype = fetch(f"{base}/nocache/supervision/?product_id=3&page=1")
    assert status == 200 and "charset" not in ctype
    text = body.decode("gbk")
    assert "charset=gb2312" in text and text.count("<tr><td>") == 20
    assert "[不公开]</span>不公开来信" in text and "detail/secret" not in text
    _, page2, _ = fetch(f"{base}/nocache/supervision/?product_id=3&page=2")
    assert page2.decode("gbk").count("<tr><td>") == 6
    _, page3, _ = fetch(f"{base}/nocache/supervision/?product_id=3&page=3")
    assert page3.decode("gbk").count("<tr><td>") == 0
    status, detail, _ = fetch(f"{base}/nocache/supervision/detail/m000.html")
    assert "回复时间：2026-11-03 16:20:00" in detail.decode("gbk")
    assert fetch(f"{base}/nocache/supervision/detail/secret.html")[0] == 404
    portal.remove("m000")
    assert fetch(f"{base}/nocache/supervision/detail/m000.html")[0] == 404
    portal.set_mode("403")
    assert fetch(f"{base}/nocache/supervision/?product_id=3&page=1")[0] == 403
    portal.set_mode("challenge")
    assert b"$_ts" in fetch(f"{base}/nocache/supervision/?product_id=3&page=1")[1]
    assert portal.request_count == 8


def test_json_api_news_and_profile(portal: SamplePortal) -> None:
    base = portal.base_url
    portal.add_message("9001", "噪音扰民", datetime(2026, 11, 20, 8, 0), section="json")
    _, body, _ = fetch(f"{base}/index.php?c=ListJson&branchid=7&page=1")
    document = json.loads(json.loads(body))  # a JSON string holding the document
    row = document["data"]["list"][0]
    # 2026-11-20 08:00 Asia/Shanghai = 00:00 UTC
    assert row["id"] == "9001" and row["time"] == "1795132800" and row["process_status"] == "0"
    portal.reply("9001", datetime(2026, 11, 21, 10, 0), text="已协调处理")
    _, body, _ = fetch(f"{base}/index.php?c=DetailJson&id=9001")
    assert json.loads(body)["data"]["reply_text"] == "已协调处理"
    portal.add_news(
        "/news/1.html", "某地审计发现问题", datetime(2026, 11, 25, 9, 0), "正文", "皖西日报"
    )
    _, rss, _ = fetch(f"{base}/news/rss.xml?q=审计".replace("审计", "%E5%AE%A1%E8%AE%A1"))
    assert b"/news/1.html" in rss and "皖西日报".encode() in rss
    profile = tomllib.loads(luan_profile_text(base))
    assert set(profile["sections"]) >= {"bxcy", "bmxx", "json", "news"}
    assert profile["site"]["base_url"] == base
