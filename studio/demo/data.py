"""The demo world's data: its catalog and its published login (no secrets, no code).

The backend seeds its ``--demo`` database from this; the show's ``demo`` catalog
renders it offline; the studio signs in to its embedded demo backend with it.
"""

from __future__ import annotations

DEMO_USER = "guide1"  # the demo guide (小美, 上海南京西路店)
DEMO_PASSWORD = "demo1234"  # every demo user's published password, not a secret
DEMO_SESSION = 1  # the demo's live session

PRODUCTS: list[tuple[str, str, str, int, int, int, str]] = [
    # sku, name, category, price (yuan), list price, stock, colour
    ("GS-1001", "羊绒混纺高领毛衣", "服饰", 399, 699, 80, "#c8553d"),
    ("GS-1002", "轻薄羽绒服", "服饰", 599, 999, 60, "#2a6f97"),
    ("GS-1003", "高腰直筒牛仔裤", "服饰", 259, 399, 120, "#3d5a80"),
    ("GS-1004", "真丝印花围巾", "服饰", 189, 299, 50, "#e07a5f"),
    ("GS-1005", "小白鞋 经典款", "鞋包", 329, 459, 70, "#8d99ae"),
    ("GS-1006", "通勤托特包", "鞋包", 449, 699, 40, "#6d4c41"),
    ("GS-1007", "保湿修护精华液", "美妆", 268, 368, 150, "#f4a261"),
    ("GS-1008", "丝绒哑光口红", "美妆", 159, 220, 200, "#b5179e"),
    ("GS-1009", "氨基酸洁面乳", "个护", 79, 119, 300, "#43aa8b"),
    ("GS-1010", "护手霜礼盒", "个护", 99, 158, 180, "#f28482"),
    ("GS-1011", "云南小粒咖啡豆", "食品", 68, 98, 220, "#7f5539"),
    ("GS-1012", "每日坚果 30袋", "食品", 129, 199, 260, "#bc6c25"),
    ("GS-1013", "五常大米 5kg", "生鲜", 89, 129, 140, "#e9c46a"),
    ("GS-1014", "赣南脐橙 5斤", "生鲜", 49, 79, 160, "#f77f00"),
    ("GS-1015", "智能保温杯", "家居", 139, 199, 110, "#264653"),
    ("GS-1016", "全棉四件套", "家居", 359, 599, 45, "#90be6d"),
    ("GS-1017", "香薰蜡烛", "家居", 88, 128, 90, "#cdb4db"),
    ("GS-1018", "蓝牙降噪耳机", "数码", 499, 799, 35, "#1d3557"),
    ("GS-1019", "磁吸充电宝", "数码", 169, 249, 75, "#457b9d"),
    ("GS-1020", "限量款福袋", "家居", 99, 199, 3, "#d62828"),
]
