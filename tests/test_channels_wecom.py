"""The WeCom robot channel against the fake robot on loopback: errcodes read on HTTP 200,
45009 waited out, 93000/93004/93008 break the channel, a message refused for itself (40058,
40008, 40033, 40035) is sent again shortened or as text and never breaks the channel, HTTP 500
retried with backoff, 20 messages a minute, and markdown/text split at 4,096/2,048 UTF-8 bytes.
Time is simulated."""

from __future__ import annotations

import json

import pytest

from alerts.channels import ChannelBroken, DeliveryFailed, MessageRejected, SimulatedTiming
from alerts.channels.base import split_lines
from alerts.channels.wecom import CUT_NOTE, WecomChannel, WecomNotifier, as_text
from alerts.render import Outgoing
from monitor.demo.sinks import FakeWecom, free_port


def notifier(url: str, timing: SimulatedTiming, **kw) -> WecomNotifier:
    return WecomNotifier("office", WecomChannel(kind="wecom", webhook=url, **kw), timing)


def message(
    markdown: str = "**【超期提醒】**测试", text: str = "【超期提醒】测试", urgent: bool = False
) -> Outgoing:
    return Outgoing(title="t", markdown=markdown, text=text, html="", urgent=urgent)


def content_of(body: dict) -> str:
    return str(body.get(body.get("msgtype", ""), {}).get("content", ""))


def test_markdown_is_posted_and_errcode_zero_is_success(wecom: FakeWecom, timing) -> None:
    sent = notifier(wecom.url("k1"), timing).send(message())
    assert sent == 1
    assert wecom.messages[0]["msgtype"] == "markdown"
    assert wecom.contents("k1") == ["**【超期提醒】**测试"]


def test_45009_waits_for_the_window_and_retries(wecom: FakeWecom, timing) -> None:
    wecom.script([45009, 0])
    notifier(wecom.url(), timing).send(message())
    assert [code for _, _, code in wecom.requests] == [45009, 0]
    assert len(wecom.messages) == 1
    assert timing.slept >= 59  # waited a whole window, without really sleeping


def test_twenty_per_minute_is_never_exceeded(wecom: FakeWecom, timing) -> None:
    robot = notifier(wecom.url(), timing)
    for i in range(45):
        robot.send(message(markdown=f"第{i}条"))
    codes = [code for _, _, code in wecom.requests]
    assert codes == [0] * 45  # the fake answers 45009 past 20 in a minute: never reached
    assert 120 <= timing.now < 121  # 45 messages: two full windows waited


def test_invalid_key_93000_breaks_the_channel(wecom: FakeWecom, timing) -> None:
    robot = notifier(wecom.url("invalid-key"), timing)
    with pytest.raises(ChannelBroken) as info:
        robot.send(message())
    assert info.value.errcode == 93000
    with pytest.raises(ChannelBroken):
        robot.send(message())
    assert len(wecom.requests) == 1  # a broken channel is not hammered


@pytest.mark.parametrize("code", [93004, 93008])
def test_a_disabled_or_removed_robot_breaks_the_channel(
    wecom: FakeWecom, timing, code: int
) -> None:
    wecom.fail_with(code)
    robot = notifier(wecom.url(), timing)
    with pytest.raises(ChannelBroken) as info:
        robot.send(message())
    assert info.value.errcode == code and robot.broken


def test_40058_too_long_is_sent_again_shortened_and_the_robot_stays_in_use(
    wecom: FakeWecom, timing
) -> None:
    # a piece stored before a limit changed, or split by a rule the server counts differently
    lines = [f"- 第{i}条：关于某小区供暖不足的留言，请尽快回复处理" for i in range(120)]
    piece = {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}
    assert len(piece["markdown"]["content"].encode()) > 4096
    robot = notifier(wecom.url(), timing)
    robot.send_piece(piece)
    assert [code for _, _, code in wecom.requests] == [40058, 0]
    [content] = wecom.contents()
    assert wecom.messages[0]["msgtype"] == "markdown"
    assert len(content.encode()) <= 4096 and content.endswith(CUT_NOTE)
    assert content.split("\n")[:-1] == lines[: len(content.split("\n")) - 1]  # whole lines
    assert robot.broken is None and timing.slept == 0
    robot.send(message())  # the next message goes as usual
    assert wecom.messages[-1]["msgtype"] == "markdown" and len(wecom.messages) == 2


def test_a_robot_that_takes_no_markdown_gets_text(wecom: FakeWecom, timing) -> None:
    wecom.msgtypes = ("text",)  # 40008 invalid message type for markdown
    robot = notifier(wecom.url(), timing)
    md = "**【超期提醒】**小区供暖不足\n> 部门：综合科\n> [查看原文](http://portal.example/a1)"
    robot.send(message(markdown=md))
    assert [code for _, _, code in wecom.requests] == [40008, 0]
    assert wecom.messages[0]["msgtype"] == "text"
    assert wecom.contents() == [
        "【超期提醒】小区供暖不足\n部门：综合科\n查看原文：http://portal.example/a1"
    ]
    assert robot.broken is None


def test_a_text_refused_as_too_long_is_cut_further(wecom: FakeWecom, timing) -> None:
    wecom.limits["text"] = 1024  # a robot that counts stricter than its documentation
    robot = notifier(wecom.url(), timing, format="text")
    robot.send(message(text="【超期提醒】\n" + "留言内容很长。\n" * 120))
    codes = [code for _, _, code in wecom.requests]
    assert codes[0] == 40058 and codes[-1] == 0 and robot.broken is None
    # each refused piece went out again at half its size, whole lines and the note
    assert all(len(c.encode()) <= 1024 for c in wecom.contents())
    assert any(c.endswith(CUT_NOTE) for c in wecom.contents())


def test_bad_characters_40033_are_removed_in_the_text_copy(wecom: FakeWecom, timing) -> None:
    wecom.refuse(40033, lambda body: "\x07" in content_of(body))
    robot = notifier(wecom.url(), timing)
    robot.send(message(markdown="**【超期提醒】**门口\x07噪音"))
    assert [code for _, _, code in wecom.requests] == [40033, 0]
    assert wecom.contents() == ["【超期提醒】门口噪音"]


def test_a_message_refused_however_it_is_sent_fails_alone(wecom: FakeWecom, timing) -> None:
    wecom.refuse(40035, lambda body: "某违禁词" in content_of(body))
    robot = notifier(wecom.url(), timing)
    with pytest.raises(MessageRejected) as info:
        robot.send(message(markdown="**【超期提醒】**某违禁词"))
    assert info.value.errcode == 40035 and "仍被拒收" in str(info.value)
    assert [code for _, _, code in wecom.requests] == [40035, 40035]  # markdown, then text
    assert robot.broken is None and timing.slept == 0  # no backoff: retrying cannot help now
    robot.send(message())
    assert len(wecom.messages) == 1


def test_markdown_as_text_keeps_the_words() -> None:
    md = "**【超期提醒】3 条**\n### 综合科（2 条）\n- 【超期提醒】留言 [原文](http://x/1)\n> 部门：综合科"
    assert (
        as_text(md)
        == "【超期提醒】3 条\n综合科（2 条）\n- 【超期提醒】留言 原文：http://x/1\n部门：综合科"
    )


def test_http_500_is_retried_with_backoff(wecom: FakeWecom, timing) -> None:
    wecom.script([500, 500, 0])
    notifier(wecom.url(), timing).send(message())
    assert [code for _, _, code in wecom.requests] == [500, 500, 0]
    assert timing.slept == 2 + 5
    assert len(wecom.messages) == 1


def test_http_500_forever_gives_up_after_the_attempts(wecom: FakeWecom, timing) -> None:
    wecom.fail_with(500)
    with pytest.raises(DeliveryFailed) as info:
        notifier(wecom.url(), timing).send(message())
    assert "HTTP 500" in str(info.value)
    assert len(wecom.requests) == WecomNotifier.max_attempts


def test_connection_refused_is_transient(timing) -> None:
    url = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=x"
    with pytest.raises(DeliveryFailed) as info:
        notifier(url, timing).send(message())
    assert "无法连接企业微信机器人地址：连接被拒绝" in str(info.value)
    assert timing.slept > 0


def test_markdown_split_at_4096_bytes_on_line_boundaries(wecom: FakeWecom, timing) -> None:
    lines = [f"- 第{i}条：关于某小区供暖不足的留言，请尽快回复处理" for i in range(300)]
    body = "\n".join(lines)
    assert len(body.encode()) > 3 * 4096
    sent = notifier(wecom.url(), timing).send(message(markdown=body))
    contents = wecom.contents()
    assert sent == len(contents) >= 4
    assert all(len(c.encode("utf-8")) <= 4096 for c in contents)
    assert "\n".join(contents).split("\n") == lines  # cut between lines, nothing lost
    # the fake refuses > 4096 bytes with 40058: unsplit, the robot would have refused it
    assert all(code == 0 for _, _, code in wecom.requests)


def test_text_split_at_2048_bytes_and_long_lines_cut_between_characters() -> None:
    long_line = "审" * 1500  # 4,500 bytes in one line
    pieces = split_lines("标题\n" + long_line, 2048)
    assert all(len(p.encode()) <= 2048 for p in pieces)
    assert "".join(pieces).replace("\n", "") == "标题" + long_line


def test_text_format_and_mentions_for_crisis(wecom: FakeWecom, timing) -> None:
    robot = notifier(wecom.url(), timing, mentioned_mobile_list=["13800000000"])
    robot.send(message(urgent=True, text="【舆情事件超时】" + "x\n" * 1500))
    first = wecom.messages[0]
    assert first["msgtype"] == "text"
    assert first["text"]["mentioned_mobile_list"] == ["13800000000"]
    assert len(wecom.messages) == 2  # 3,000+ bytes of text → two pieces
    assert "mentioned_mobile_list" not in wecom.messages[1]["text"]  # @ once, not per piece
    robot.send(message(urgent=False))
    assert wecom.messages[-1]["msgtype"] == "markdown"  # non-crisis stays markdown


def test_fake_robot_answers_like_the_real_one(wecom: FakeWecom) -> None:
    import urllib.request

    def post(payload: dict) -> dict:
        req = urllib.request.Request(
            wecom.url("k"), data=json.dumps(payload).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    assert post({"msgtype": "markdown", "markdown": {"content": "好"}})["errcode"] == 0
    long = post({"msgtype": "markdown", "markdown": {"content": "好" * 1400}})
    assert long["errcode"] == 40058
    assert long["errmsg"].startswith("markdown.content exceed max length 4096. ")
    assert "more info at https://open.work.weixin.qq.com/devtool/query?e=40058" in long["errmsg"]
    assert post({"msgtype": "text", "text": {"content": "好" * 700}})["errcode"] == 40058
    assert post({"msgtype": "image"})["errcode"] == 40008
    assert post({"msgtype": "text", "text": {"content": ""}})["errcode"] == 44004


def test_fake_robot_enforces_twenty_a_minute_per_key(wecom: FakeWecom, timing) -> None:
    import urllib.request

    def post(key: str) -> int:
        payload = json.dumps({"msgtype": "text", "text": {"content": "x"}}).encode()
        req = urllib.request.Request(wecom.url(key), data=payload, method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())["errcode"]

    assert [post("a") for _ in range(21)] == [0] * 20 + [45009]
    assert post("b") == 0  # per key
    timing.sleep(59)
    assert post("a") == 45009
    timing.sleep(1)
    assert post("a") == 0
