"""Server-rendered shopper pages (Chinese, mobile first): checkout, result, booking, errors.

Plain HTML with escaped values and a few lines of inline CSS/JS, so the page works
in any phone browser (WeChat's included) and needs no build step.
"""

from __future__ import annotations

import base64
import hashlib
import time
from html import escape
from typing import Any

_CSS = """
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,"PingFang SC","Noto Sans CJK SC",
"Microsoft YaHei",sans-serif;background:#f5f5f5;color:#222}
.wrap{max-width:480px;margin:0 auto;background:#fff;min-height:100vh;padding-bottom:96px}
.hero{width:100%;aspect-ratio:1/1;display:block;background:#eee}
.sec{padding:14px 16px;border-bottom:8px solid #f5f5f5}
.price{color:#e4393c;font-size:30px;font-weight:700}.price small{font-size:16px}
.list{color:#999;text-decoration:line-through;margin-left:8px;font-size:14px}
h1{font-size:19px;margin:8px 0 4px}.muted{color:#888;font-size:13px}
.tag{display:inline-block;background:#fff0f0;color:#e4393c;border:1px solid #f7c6c7;
border-radius:4px;padding:2px 6px;font-size:13px;margin-right:6px}
.bar{height:8px;background:#fde2e2;border-radius:4px;overflow:hidden;margin:8px 0}
.bar i{display:block;height:100%;background:#e4393c}
label{display:block;margin:8px 0}input[type=text],input[type=tel],input[type=number]{width:100%;
padding:10px;border:1px solid #ddd;border-radius:6px;font-size:16px}
.row{display:flex;gap:10px}.row label{flex:1;border:1px solid #ddd;border-radius:6px;padding:10px}
.buy{position:fixed;left:0;right:0;bottom:0;max-width:480px;margin:0 auto;display:flex;gap:8px;
padding:10px 16px;background:#fff;box-shadow:0 -2px 8px rgba(0,0,0,.08)}
button{flex:1;border:0;border-radius:24px;padding:14px;font-size:17px;font-weight:700;color:#fff;
background:linear-gradient(90deg,#ff6034,#ee0a24)}button.alt{background:#ff9f1a}
.center{text-align:center;padding:80px 24px}
.icon{width:72px;height:72px;border-radius:50%;margin:0 auto 12px;display:flex;align-items:center;
justify-content:center;color:#fff;font-size:40px;font-weight:700;background:#bbb}
.icon.ok{background:#07c160}.icon.ok:after{content:"";width:16px;height:32px;margin-top:-6px;
border:solid #fff;border-width:0 6px 6px 0;transform:rotate(45deg)}
"""


# the one inline script (delivery address shown for delivery only); the CSP allows
# exactly this text by its hash (studio.backend.headers), nothing else runs
_SCRIPT = (
    "document.querySelectorAll('input[name=fulfilment]').forEach("
    "r=>r.addEventListener('change',e=>{const d=e.target.value==='delivery';"
    "document.getElementById('addr').style.display=d?'block':'none';"
    "document.getElementById('pickup').style.display=d?'none':'block'}));"
)
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()


def yuan(cents: int) -> str:
    return f"{cents / 100:.2f}".rstrip("0").rstrip(".") if cents % 100 else f"{cents // 100}"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f'<body><div class="wrap">{body}</div></body></html>'
    )


def checkout(token: str, offer: dict[str, Any], store: Any, guide_name: str) -> str:
    p, coupon, gb, sess = offer["product"], offer["coupon"], offer["groupbuy"], offer["session"]
    t = escape(token)
    sold_out = p["stock"] <= 0 and not sess["rehearsal"]  # rehearsals sell no real stock
    fp = offer.get("flash")
    price, struck = p["price_cents"], p["list_price_cents"]
    if fp is not None:  # 限时秒杀 in force: its price, the regular price struck
        price, struck = fp["price_cents"], p["price_cents"]
    parts = [
        f'<img class="hero" src="/img/products/{p["id"]}.png" alt="{escape(p["name"])}">',
        '<div class="sec">',
        f'<div><span class="price" id="price"><small>¥</small>{yuan(price)}</span>'
        f'<span class="list" id="list-price">¥{yuan(struck)}</span></div>',
        f'<h1 id="name">{escape(p["name"])}</h1>',
        f'<div class="muted">库存 <b id="stock">{p["stock"]}</b> 件 · {escape(p["category"])}'
        f" · 导购 {escape(guide_name)}</div>",
    ]
    if fp is not None:
        left = max(0, int(fp["ends_at"] - offer.get("now", time.time())))
        parts.append(
            f'<div class="tag" id="flash">限时秒杀 · 剩 {left // 60}:{left % 60:02d}</div>'
        )
    if sess["rehearsal"]:
        parts.append('<div class="tag">彩排模式 · 模拟订单</div>')
    parts.append("</div>")
    if gb is not None:
        pct = min(100, int(gb["joined"] * 100 / gb["size"]))
        secs = max(0, int(gb["ends_at"] - offer.get("now", time.time())))
        ends = f"约 {secs // 60} 分钟后结束" if secs >= 60 else "不到 1 分钟就结束"
        parts.append(
            f'<div class="sec" id="groupbuy"><span class="tag">拼团</span>'
            f'拼团价 <b class="price" style="font-size:20px">¥{yuan(gb["group_price_cents"])}</b>'
            f'<div class="bar"><i style="width:{pct}%"></i></div>'
            f'<div class="muted">已拼 {gb["joined"]}/{gb["size"]} 人 · {ends}</div>'
            "</div>"
        )
    if coupon is not None:
        parts.append(
            f'<div class="sec" id="coupon"><span class="tag">券</span>{escape(coupon["title"])}'
            f' <span class="muted">（满{yuan(coupon["min_spend_cents"])}可用，剩'
            f"{coupon['total'] - coupon['used']}张）</span>"
            '<label><input type="checkbox" name="use_coupon" value="1" form="buy" checked>'
            " 使用优惠券</label></div>"
        )
    parts.append(
        f'<form id="buy" method="post" action="/p/{t}/buy" class="sec">'
        '<label>数量 <input type="number" name="quantity" value="1" min="1" max="99"></label>'
        '<div class="row">'
        '<label><input type="radio" name="fulfilment" value="pickup" checked> 到店自提</label>'
        '<label><input type="radio" name="fulfilment" value="delivery"> 快递配送</label></div>'
        f'<div class="muted" id="pickup">自提门店：{escape(store["name"])} '
        f"{escape(store['address'])}</div>"
        '<label id="addr" style="display:none">收货地址 <input type="text" name="address"'
        ' maxlength="200" placeholder="省 市 区 街道 门牌号"></label>'
        '<label>联系人 <input type="text" name="buyer_name" maxlength="50"></label>'
        '<label>手机号 <input type="tel" name="buyer_phone" maxlength="30"></label>'
        '<div class="muted">模拟支付：点击即视为支付成功，不会真实扣款。</div>'
        '<div class="buy">'
    )
    if sold_out:
        parts.append('<button type="button" disabled style="background:#bbb">已售罄</button>')
    else:
        if gb is not None:
            parts.append(
                '<button class="alt" name="join_group" value="1" id="group-btn">'
                f"¥{yuan(gb['group_price_cents'])} 拼团</button>"
            )
        parts.append('<button id="buy-btn">立即购买</button>')
    parts.append(f"</div></form><script>{_SCRIPT}</script>")
    return _page(p["name"], "".join(parts))


def success(order: dict[str, Any], store: Any) -> str:
    how = (
        f"请到 {escape(store['name'])} 自提（{escape(store['address'])}）"
        if order["fulfilment"] == "pickup"
        else "我们会尽快为您发货"
    )
    return _page(
        "支付成功",
        (
            '<div class="center"><div class="icon ok"></div><h1>支付成功</h1>'
            f'<p>订单号 <b id="order-no">{escape(order["order_no"])}</b></p>'
            f"<p>{escape(order['product_name'])} × {order['quantity']}</p>"
            f'<p class="price" id="paid"><small>¥</small>{yuan(order["amount_cents"])}</p>'
            f'<p class="muted">{how}</p></div>'
        ),
    )


_ERRORS = {
    "sold_out": ("空", "已售罄", "这件商品刚刚被抢光了，回直播间看看其他好物吧。"),
    "expired": ("!", "链接已失效", "直播已结束或链接已过期，请向导购索取新的购买链接。"),
    "unknown": ("?", "链接无效", "没有找到这个购买链接，请确认二维码或链接是否完整。"),
    "bad_input": ("!", "信息有误", ""),
    "busy": ("…", "请求太频繁", "请稍等片刻再试。"),
}


def error(kind: str, detail: str = "") -> str:
    icon, title, text = _ERRORS.get(kind, _ERRORS["unknown"])
    return _page(
        title,
        (
            f'<div class="center" id="error-{kind}"><div class="icon">{icon}</div><h1>{title}</h1>'
            f'<p class="muted">{escape(text or detail)}</p>'
            '<p><a href="javascript:history.back()">返回</a></p></div>'
        ),
    )


def booking(
    session: Any, guide_name: str, store_name: str, token: str, *, booked: bool, count: int
) -> str:
    when = (
        time.strftime("%m月%d日 %H:%M", time.localtime(session["scheduled_start"]))
        if session["scheduled_start"]
        else "待定"
    )
    action = (
        '<p class="tag">预约成功，开播前提醒您</p>'
        if booked
        else f'<form method="post" action="/live/{escape(token)}/book"><div class="buy">'
        "<button>预约直播</button></div></form>"
    )
    return _page(
        session["title"],
        (
            '<div class="center"><div class="icon" style="background:#e4393c">播</div>'
            f"<h1>{escape(session['title'])}</h1>"
            f"<p>开播时间：{when}</p><p>导购：{escape(guide_name)} · {escape(store_name)}</p>"
            f'<p class="muted">已有 {count} 人预约</p>{action}</div>'
        ),
    )
