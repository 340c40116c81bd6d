import subprocess
import sys
from pathlib import Path

from bedside.core.errors import NotFound
from bedside.core.i18n import gettext, normalize

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_id_has_a_chinese_translation():
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gettext_translates_and_formats():
    assert gettext("zh_CN", "Sign in") == "登录"
    assert gettext("en", "Sign in") == "Sign in"
    assert gettext("zh_CN", "Hello, %(name)s", name="张三") == "您好，张三"


def test_problem_carries_both_languages():
    body = NotFound().problem("zh_CN")
    assert body["code"] == "not_found"
    assert body["message"] == body["message_zh"] == "未找到相关记录。"
    assert body["message_en"] == "The requested record was not found."


def test_locale_normalization():
    assert normalize("en-US") == "en"
    assert normalize("zh-CN") == "zh_CN"
    assert normalize(None) == "zh_CN"
    assert normalize("de") == "zh_CN"
