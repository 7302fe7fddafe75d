"""What the officer reads, in Vietnamese first and English second.

Every verdict category, every rule, every trust-list state, every mode and every label of the
page has both; the page receives them all from here (one source), so the language toggle needs
no round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from checkpoint_app.rules import VIET_NAM_TIME, Mode, Rule, RuleFailure
from checkpoint_app.trust import LoadOutcome, TrustLevel
from hcert.errors import Category, ErrorCode

LANGUAGES = ("vi", "en")
Text = Mapping[str, str]  # language → text


def _t(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


OUTCOME_TITLES: dict[str, Text] = {
    "valid": _t("HỢP LỆ", "VALID"),
    "rules": _t("CHƯA ĐẠT QUY ĐỊNH", "RULES NOT MET"),
    "invalid": _t("KHÔNG HỢP LỆ", "NOT VALID"),
}

CATEGORY_REASONS: dict[Category, Text] = {
    Category.VALID: _t(
        "Chứng nhận hợp lệ, chữ ký đã xác thực", "Valid certificate, signature verified"
    ),
    Category.MALFORMED: _t(
        "Không phải chứng nhận đọc được (mã hỏng hoặc sai định dạng)",
        "Not a readable certificate (damaged or in the wrong format)",
    ),
    Category.UNSUPPORTED: _t(
        "Định dạng hoặc thuật toán ký chưa được hỗ trợ", "Format or signing algorithm not supported"
    ),
    Category.UNKNOWN_KEY: _t(
        "Khóa ký không có trong danh sách tin cậy", "The signing key is not in the trust list"
    ),
    Category.BAD_SIGNATURE: _t(
        "Chữ ký không hợp lệ: chứng nhận có thể đã bị sửa",
        "Invalid signature: the certificate may have been altered",
    ),
    Category.KEY_USAGE: _t(
        "Khóa ký không được phép ký loại chứng nhận này",
        "The signing key may not sign this kind of certificate",
    ),
    Category.KEY_EXPIRED: _t("Khóa ký không còn hiệu lực", "The signing key is not valid"),
    Category.KEY_REVOKED: _t("Khóa ký đã bị thu hồi", "The signing key has been revoked"),
    Category.EXPIRED: _t("Chứng nhận đã hết hạn", "The certificate has expired"),
    Category.NOT_YET_VALID: _t("Chứng nhận chưa có hiệu lực", "The certificate is not valid yet"),
    Category.SCHEMA: _t(
        "Nội dung chứng nhận sai cấu trúc", "The certificate's content is malformed"
    ),
    Category.REVOKED: _t("Chứng nhận đã bị thu hồi", "The certificate has been revoked"),
    Category.RULES_FAILED: _t(
        "Không đáp ứng quy định đang áp dụng", "Does not meet the rules in force"
    ),
    Category.TRUST_LIST: _t(
        "Danh sách tin cậy chưa có hoặc đã hết hạn: cần cập nhật",
        "The trust list is missing or expired: update it",
    ),
}

# Finer reasons where the code tells the officer more than its category does.
CODE_REASONS: dict[ErrorCode, Text] = {
    ErrorCode.TRUST_LIST_MISSING: _t(
        "Chưa có danh sách tin cậy: hãy tải danh sách", "No trust list loaded: load one"
    ),
    ErrorCode.TRUST_LIST_EXPIRED: _t(
        "Danh sách tin cậy đã hết hạn: hãy cập nhật (hoặc cho phép thời gian gia hạn)",
        "The trust list has expired: update it (or allow the grace period)",
    ),
    ErrorCode.TRUST_LIST_BAD_SIGNATURE: _t(
        "Chữ ký của danh sách tin cậy không hợp lệ", "The trust list's signature is invalid"
    ),
    ErrorCode.TRUST_LIST_ROLLBACK: _t(
        "Danh sách cũ hơn danh sách đang dùng", "Older than the list held"
    ),
    ErrorCode.TRUST_LIST_INVALID: _t(
        "Tệp danh sách tin cậy không đọc được", "The trust list file cannot be read"
    ),
    ErrorCode.QR_NOT_FOUND: _t("Không tìm thấy mã QR trong ảnh", "No QR code found in the picture"),
    ErrorCode.IMAGE_UNREADABLE: _t("Không đọc được ảnh", "The picture cannot be read"),
    ErrorCode.FORMAT_UNSUPPORTED: _t(
        "Thiết bị chưa cài bộ đọc mã QR", "No QR reader installed on this device"
    ),
}

RULE_REASONS: dict[Rule, Text] = {
    Rule.DISEASE: _t("Chứng nhận không dành cho COVID-19", "The certificate is not for COVID-19"),
    Rule.VACCINATION_DATE: _t(
        "Ngày tiêm {date} nằm ở tương lai", "The vaccination date {date} is in the future"
    ),
    Rule.PRIMARY_SERIES: _t(
        "Chưa tiêm đủ liều cơ bản (mũi {dn}/{sd})", "Primary series not complete (dose {dn}/{sd})"
    ),
    Rule.DAYS_SINCE_SERIES: _t(
        "Tiêm đủ liều mới {days} ngày, cần 14 ngày (đạt từ {from})",
        "Series completed only {days} days ago, 14 needed (met from {from})",
    ),
    Rule.BOOSTER: _t("Chưa tiêm mũi nhắc lại (mũi {dn}/{sd})", "No booster dose (dose {dn}/{sd})"),
    Rule.RECOVERY_NOT_ACCEPTED: _t(
        "Không chấp nhận giấy xác nhận khỏi bệnh", "Recovery certificates are not accepted"
    ),
    Rule.RECOVERY_PERIOD: _t(
        "Giấy khỏi bệnh chỉ có hiệu lực từ {df} đến {du}",
        "The recovery certificate is valid only from {df} to {du}",
    ),
    Rule.TEST_NOT_ACCEPTED: _t(
        "Chế độ này không chấp nhận giấy xét nghiệm",
        "Test certificates are not accepted in this mode",
    ),
    Rule.TEST_TYPE: _t("Loại xét nghiệm không được công nhận", "The test type is not recognised"),
    Rule.TEST_RESULT: _t(
        "Kết quả xét nghiệm không phải âm tính", "The test result is not negative"
    ),
    Rule.TEST_AGE: _t(
        "Mẫu xét nghiệm lấy cách đây {hours} giờ, tối đa {max} giờ",
        "Sample taken {hours} hours ago, at most {max} allowed",
    ),
}

MODE_NAMES: dict[Mode, Text] = {
    Mode.ANY: _t("Mọi chứng nhận hợp lệ", "Any valid certificate"),
    Mode.VACCINATED: _t("Tiêm đủ liều cơ bản (sau 14 ngày)", "Fully vaccinated (after 14 days)"),
    Mode.BOOSTER: _t("Đã tiêm mũi nhắc lại", "Booster dose"),
}

TRUST_LEVELS: dict[TrustLevel, Text] = {
    TrustLevel.OK: _t(
        "Danh sách tin cậy v{version} · phát hành {age} trước",
        "Trust list v{version} · published {age} ago",
    ),
    TrustLevel.AGING: _t(
        "Danh sách tin cậy v{version} đã cũ ({age}): hãy cập nhật sớm",
        "Trust list v{version} is getting old ({age}): update it soon",
    ),
    TrustLevel.GRACE: _t(
        "Danh sách tin cậy v{version} ĐÃ HẾT HẠN lúc {expires}: đang dùng thời gian gia hạn "
        "đến {grace_until}",
        "Trust list v{version} EXPIRED at {expires}: verifying in the grace period until "
        "{grace_until}",
    ),
    TrustLevel.EXPIRED: _t(
        "Danh sách tin cậy v{version} đã hết hạn lúc {expires}: mọi kết quả là KHÔNG HỢP LỆ "
        "cho đến khi cập nhật",
        "Trust list v{version} expired at {expires}: every verdict is NOT VALID until updated",
    ),
    TrustLevel.MISSING: _t(
        "Chưa có danh sách tin cậy: hãy tải danh sách", "No trust list: load one"
    ),
}

LOAD_OUTCOMES: dict[LoadOutcome, Text] = {
    LoadOutcome.UPDATED: _t("Đã cập nhật lên phiên bản {version}", "Updated to version {version}"),
    LoadOutcome.CURRENT: _t(
        "Đã là phiên bản mới nhất ({version})", "Already the newest version ({version})"
    ),
    LoadOutcome.REFUSED: _t("Đã từ chối: {reason}", "Refused: {reason}"),
    LoadOutcome.UNREACHABLE: _t(
        "Không kết nối được: vẫn dùng danh sách đang có",
        "Cannot connect: keeping the list held",
    ),
}

CERTIFICATE_LINES: dict[str, Text] = {
    "v": _t(
        "Tiêm chủng · mũi {dn}/{sd} · {date} · {product}",
        "Vaccination · dose {dn}/{sd} · {date} · {product}",
    ),
    "t": _t(
        "Xét nghiệm · {type} · {result} · lấy mẫu {time}",
        "Test · {type} · {result} · sampled {time}",
    ),
    "r": _t("Khỏi bệnh · hiệu lực {df} – {du}", "Recovery · valid {df} – {du}"),
}

AGE_UNITS: dict[str, Text] = {
    "minutes": _t("{n} phút", "{n} min"),
    "hours": _t("{n} giờ", "{n} h"),
    "days": _t("{n} ngày", "{n} days"),
}

UI: dict[str, Text] = {
    "title": _t("Chốt kiểm soát", "Checkpoint"),
    "ready": _t("Sẵn sàng quét", "Ready to scan"),
    "ready_hint": _t(
        "Quét mã QR bằng máy quét hoặc camera, hoặc chọn ảnh chứng nhận",
        "Scan the QR code with the scanner or the camera, or pick a picture of it",
    ),
    "camera_start": _t("Bật camera", "Start camera"),
    "camera_stop": _t("Tắt camera", "Stop camera"),
    "camera_error": _t("Không mở được camera", "Cannot open the camera"),
    "image": _t("Chọn ảnh", "Pick a picture"),
    "manual_placeholder": _t("Dán mã HC1:…", "Paste an HC1:… code"),
    "check": _t("Kiểm tra", "Check"),
    "name": _t("Họ và tên", "Name"),
    "dob": _t("Ngày sinh", "Date of birth"),
    "certificate": _t("Chứng nhận", "Certificate"),
    "compare_id": _t("Đối chiếu với CCCD hoặc hộ chiếu", "Compare with the ID card or passport"),
    "next": _t("Quét tiếp", "Next"),
    "repeat": _t("đã quét", "already scanned"),
    "settings": _t("Cài đặt", "Settings"),
    "mode": _t("Chế độ kiểm tra", "Checking mode"),
    "accept_recovery": _t("Chấp nhận giấy xác nhận khỏi bệnh", "Accept recovery certificates"),
    "grace_allowed": _t(
        "Cho phép thời gian gia hạn khi danh sách tin cậy hết hạn ({hours} giờ)",
        "Allow the grace period when the trust list expires ({hours} h)",
    ),
    "sound": _t("Âm thanh", "Sound"),
    "mute": _t("Tắt tiếng", "Mute"),
    "unmute": _t("Bật tiếng", "Unmute"),
    "trust": _t("Danh sách tin cậy", "Trust list"),
    "trust_refresh": _t("Cập nhật từ mạng", "Update from the network"),
    "trust_file": _t("Tải từ tệp (USB)", "Load from a file (USB)"),
    "shift": _t("Ca trực", "Shift"),
    "scans": _t("lượt quét", "scans"),
    "valid": _t("hợp lệ", "valid"),
    "invalid": _t("không hợp lệ", "not valid"),
    "reset": _t("Ca mới: đặt lại số đếm", "New shift: reset the counters"),
    "close": _t("Đóng", "Close"),
    "language": _t("English", "Tiếng Việt"),
    "privacy": _t(
        "Không lưu thông tin nào về người được kiểm tra; chỉ đếm số lượt trong ca.",
        "Nothing about the persons checked is stored; only the shift's counts.",
    ),
    "error": _t("Lỗi", "Error"),
}

_DATE_PARAMS = frozenset(("date", "from", "df", "du"))


def reason(code: ErrorCode, rule: RuleFailure | None, lang: str) -> str:
    """Why the verdict is what it is: the failed rule, else the code's or category's reason."""
    if rule is not None:
        return rule_reason(rule, lang)
    text = CODE_REASONS.get(code) or CATEGORY_REASONS[code.category]
    return text[lang]


def rule_reason(failure: RuleFailure, lang: str) -> str:
    """The failed rule's explanation, its dates as DD/MM/YYYY."""
    params = {k: show_date(v) if k in _DATE_PARAMS else v for k, v in failure.params.items()}
    return RULE_REASONS[failure.rule][lang].format_map(_Defaulting(params))


def show_date(value: str) -> str:
    """An ISO date (or ``YYYY-MM``, ``YYYY``) as written on Vietnamese papers: DD/MM/YYYY."""
    parts = value.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return f"{parts[1]}/{parts[0]}"
    return value or "—"


def show_instant(t: datetime) -> str:
    """An instant in Viet Nam's time: ``HH:MM DD/MM/YYYY``."""
    local = t.astimezone(VIET_NAM_TIME)
    return f"{local:%H:%M} {show_date(local.date().isoformat())}"


def show_age(age: timedelta, lang: str) -> str:
    """A list's age in the largest whole unit: minutes under 2 hours, hours under 2 days."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 120:
        unit, n = "minutes", minutes
    elif minutes < 48 * 60:
        unit, n = "hours", minutes // 60
    else:
        unit, n = "days", minutes // (24 * 60)
    return AGE_UNITS[unit][lang].format(n=n)


def page_texts() -> dict[str, dict[str, object]]:
    """Everything the page shows, per language (the page's one source of words)."""
    return {
        lang: {
            "ui": {k: v[lang] for k, v in UI.items()},
            "modes": {m.value: v[lang] for m, v in MODE_NAMES.items()},
        }
        for lang in LANGUAGES
    }


class _Defaulting(dict[str, str]):
    """Formatting values; a missing one shows as "?" instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"
