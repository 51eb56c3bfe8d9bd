"""[notify] in branchflow.toml: channels and SMTP validated at load, secrets from env: only."""

from __future__ import annotations

from pathlib import Path

import pytest
from robots import notify_workspace

from branchflow.errors import ConfigError

WECOM = '[[notify.channels]]\nname = "东莞群"\nkind = "wecom"\nurl = "env:BF_WECOM"\nscopes = ["东莞分中心"]\n'
SMTP = '[notify.smtp]\nhost = "127.0.0.1"\nport = 2525\nstarttls = false\nfrom = "bf@example.com"\npassword = "env:BF_SMTP"\n'


def test_channels_are_read_with_secrets_from_the_environment(tmp_path: Path) -> None:
    text = (
        WECOM
        + SMTP
        + (
            '[[notify.channels]]\nname = "总部邮箱"\nkind = "email"\nto = ["hq@example.com"]\n'
            'scopes = ["总部", "销售管理部"]\nevents = ["conflict", "documents"]\n'
        )
    )
    env = {"BF_WECOM": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "BF_SMTP": "pw"}
    settings = notify_workspace(tmp_path, text, env)
    wecom, mail = settings.notify.channels
    assert (wecom.kind, wecom.url, wecom.scopes) == ("wecom", env["BF_WECOM"], ("东莞分中心",))
    assert wecom.events == (
        "rejected",
        "accepted",
        "reminder",
        "conflict",
        "documents",
        "distributed",
    )
    assert (mail.to, mail.events) == (("hq@example.com",), ("conflict", "documents"))
    assert settings.notify.smtp is not None and settings.notify.smtp.password == "pw"
    assert settings.warnings == ()
    assert [c.name for c in settings.notify.routes("conflict", "总部")] == ["总部邮箱"]
    assert "key=k" not in repr(wecom)


def test_a_secret_written_in_the_file_is_used_with_a_warning(tmp_path: Path) -> None:
    text = WECOM.replace("env:BF_WECOM", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    settings = notify_workspace(tmp_path, text)
    assert settings.notify.channels[0].url.endswith("key=k")
    assert len(settings.warnings) == 1
    assert "url 直接写在配置文件里" in settings.warnings[0] and "env:" in settings.warnings[0]


def test_an_unset_variable_leaves_the_channel_waiting_with_a_warning(tmp_path: Path) -> None:
    settings = notify_workspace(tmp_path, WECOM, {})
    channel = settings.notify.channels[0]
    assert channel.url is None and "BF_WECOM" in channel.missing
    assert any("BF_WECOM" in w for w in settings.warnings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('kind = "wecom"', 'kind = "wechat"'),
            "kind = 'wechat' 不认识，可用：wecom、dingtalk、email",
        ),
        (('scopes = ["东莞分中心"]', 'scopes = ["东莞"]'), "scopes 中“东莞”不是分中心、部门或总部"),
        (
            ('scopes = ["东莞分中心"]', 'scopes = ["东莞分中心"]\nevents = ["rejected", "sent"]'),
            "events 中 'sent' 不认识",
        ),
        (('scopes = ["东莞分中心"]', 'scopes = ["东莞分中心"]\nscope = "x"'), "中的 scope 不认识"),
        (('url = "env:BF_WECOM"\n', ""), "缺少 url"),
        (('scopes = ["东莞分中心"]\n', ""), "缺少 scopes"),
    ],
)
def test_a_wrong_channel_is_one_chinese_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        notify_workspace(tmp_path, WECOM.replace(*change), {"BF_WECOM": "https://x/?key=1"})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_email_needs_smtp_and_addresses(tmp_path: Path) -> None:
    mail = '[[notify.channels]]\nname = "邮件"\nkind = "email"\nto = ["a@example.com"]\nscopes = ["总部"]\n'
    with pytest.raises(ConfigError, match=r"需要先填写 \[notify.smtp\]"):
        notify_workspace(tmp_path, mail, name="a")
    with pytest.raises(ConfigError, match="不像电子邮件地址"):
        notify_workspace(
            tmp_path,
            SMTP + mail.replace("a@example.com", "a at example"),
            {"BF_SMTP": "x"},
            name="b",
        )


def test_no_channels_changes_nothing(tmp_path: Path) -> None:
    settings = notify_workspace(tmp_path, "")
    assert settings.notify.channels == () and settings.warnings == ()


def test_the_sample_config_example_is_valid_once_uncommented(tmp_path: Path) -> None:
    from branchflow.config import SAMPLE_CONFIG

    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    start = text.index("# [notify]\n")
    end = text.find("\n# ── ", start)  # the next section of the file, if any
    block = text[start : end if end != -1 else None]
    lines = [line[2:] if line.startswith("# ") else "" for line in block.splitlines()]
    env = {"BF_WECOM_DONGGUAN": "https://q.example/send?key=1", "BF_DINGTALK_NINGBO": "https://o.example/robot/send?access_token=1",
           "BF_DINGTALK_NINGBO_SECRET": "SEC1", "BF_SMTP_PASSWORD": "pw"}  # fmt: skip
    settings = notify_workspace(tmp_path, "\n".join(lines), env)
    assert [c.kind for c in settings.notify.channels] == ["wecom", "dingtalk", "email"]
    assert settings.warnings == ()
