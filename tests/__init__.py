"""The product's tests. Every run, whole or one module, is strict about translations: a page key
without a zh-CN/English entry raises instead of showing the key (the servers the tests start
inherit it), so a module run alone behaves as in the full suite."""

import os

os.environ.setdefault("ZONGZHI_I18N_STRICT", "1")
