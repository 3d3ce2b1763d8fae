"""Traditional characters read as their simplified forms.

Buyers from Hong Kong, Taiwan and overseas, and some phone keyboards, write traditional
characters ("螃蟹死了三隻", "對啊", "還沒收到"). The care conversation reads simplified Chinese, so
the common traditional forms of everyday and shopping words are mapped one to one before
reading. Only characters whose simplified form is unambiguous in this setting are listed.
"""

from __future__ import annotations

# Each pair: the traditional form, then the simplified one.
_PAIRS = """
隻只 個个 這这 對对 還还 沒没 說说 錯错 壞坏 爛烂 發发 貨货 買买 賣卖 錢钱 換换 補补 幾几 兩两 萬万
壓压 黴霉 髒脏 質质 問问 題题 應应 該该 當当 時时 間间 後后 來来 從从 給给 讓让 謝谢 請请 嗎吗 們们
樣样 點点 過过 頭头 難难 實实 際际 總总 與与 為为 處处 辦办 單单 號号 訂订 價价 運运 費费 劃划 標标
稱称 種种 類类 顏颜 紅红 綠绿 藍蓝 黃黄 覺觉 聽听 見见 紙纸 盤盘 廠厂 產产 業业 務务 態态 氣气 聯联
繫系 電电 話话 網网 購购 貼贴 線线 數数 據据 歲岁 媽妈 愛爱 滿满 讀读 專专 樂乐 鬆松 緊紧 寬宽 雙双
條条 燈灯 車车 輛辆 邊边 麵面 飯饭 餅饼 雞鸡 鴨鸭 魚鱼 蝦虾 鮮鲜 櫻樱 檸柠 蘋苹 鳳凤 蓮莲 藥药 養养
膚肤 潤润 癢痒 暈晕 嘔呕 瀉泻 腫肿 醫医 險险 損损 傷伤 殼壳 蓋盖 鏽锈 鋼钢 鐵铁 銀银 鍋锅 壺壶 機机
禮礼 麗丽 鏡镜 錶表 襪袜 褲裤 顆颗 張张 長长 門门 開开 關关 閉闭 儘尽 盡尽 麼么 碼码 糧粮 餘余
幣币 塊块 斷断 裡里 裏里 別别 幫帮 戶户 賬账 帳账 筆笔 倆俩 現现 場场 貴贵 減减 優优 劵券 謂谓 認认
識识 議议 遲迟 達达 遞递 郵邮 區区 臺台 灣湾 東东 鄉乡 歡欢 貳贰 參参 陸陆 紀纪 錄录 擾扰 嚴严 罰罚
賠赔 償偿 虧亏 騙骗 傳传 聞闻 漲涨
"""
_TABLE = str.maketrans({pair[0]: pair[1] for pair in _PAIRS.split()})


def to_simplified(text: str) -> str:
    """The text with the common traditional characters written in simplified form."""
    return text.translate(_TABLE)
