"""A buyer's words made ready to read: one spelling (full-width, traditional characters, typing
slips, spoken numbers, stressed repeats), clauses, and words that are not a buyer's at all (markup,
pasted notices, forged commands, keys pressed at random).

Pure functions over text; the readers of amounts, remedies, ratings and yes or no build on them.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from functools import lru_cache

from outreach.diagnosis.numbers import chinese_to_int
from outreach.dialogue.mojibake import repair_mojibake
from outreach.dialogue.spacing import join_spaced_characters
from outreach.dialogue.traditional import to_simplified

# A phrase said twice or more in a row, as buyers stress it ("不要了不要了", "是的是的").
# "一个一个", "一个个切开" (not "一瓶瓶身裂了": one bottle's body)
_ONE_BY_ONE = re.compile(r"一([个只件盒瓶袋])一\1|一([个只颗])\2(?![身里中子])")
_REPEATED = re.compile(r"([\u4e00-\u9fff]{2,4})\1+")
# Dialect and spoken forms of small numbers ("俩" two, "仨" three), read like digits.
_SPOKEN = {"俩": "两个", "仨": "三个"}
_WEIGHT_LIANG = re.compile(r"(?<=斤[零一二两三四五六七八九\d])俩|(?<=缺斤少)俩")
# English words in a Chinese message ("直接refund吧", "size不对", "要的white 来的是black"), read as
# the Chinese they stand for; a message in English is not turned into Chinese (it goes to a person).
_ENGLISH_IN_CHINESE = (
    (re.compile(r"(?<![a-z])(?:refund|refnud|rufund)(?![a-z])"), "退款"),
    (re.compile(r"(?<![a-z])(?:resend|reship)(?![a-z])|(?<![a-z])bu发"), "补发"),
    (re.compile(r"(?<![a-z])(?:exchange|replace)(?![a-z])"), "换货"),
    (re.compile(r"(?<![a-z])return(?![a-z])"), "退货"),
    (re.compile(r"(?<![a-z])cancel(?![a-z])"), "取消"),
    (re.compile(r"(?<![a-z])submit(?![a-z])"), "提交"),
    (re.compile(r"(?<![a-z])invoice(?![a-z])"), "发票"),
    (re.compile(r"(?<![a-z])size(?![a-z])"), "尺码"),
    (re.compile(r"(?<![a-z])delivery(?![a-z])"), "物流"),
    (re.compile(r"(?<![a-z])price\s*drop(?![a-z])"), "降价"),
    (re.compile(r"(?<![a-z])(?:coupons?|voucher)(?![a-z])"), "优惠券"),
    (re.compile(r"(?<![a-z])(?:rating|score)\s*(?:给)?\s*([1-5])(?![\d.])"), r"\1分"),
    (re.compile(r"(?<![a-z])white(?![a-z])"), "白色"), (re.compile(r"(?<![a-z])black(?![a-z])"), "黑色"),
    (re.compile(r"(?<![a-z])pink(?![a-z])"), "粉色"), (re.compile(r"(?<![a-z])gr[ae]y(?![a-z])"), "灰色"),
    (re.compile(r"(?<![a-z])red(?![a-z])"), "红色"), (re.compile(r"(?<![a-z])blue(?![a-z])"), "蓝色"),
)
# Typing slips of pinyin input and net spellings, as buyers type them: read as meant.
_SLIPS = (
    (re.compile(r"^号的|^号滴|^号$|^号吧|挺号"), lambda m: m.group().replace("号", "好")),
    (re.compile(r"是德|是得(?=[\s，,。!！]|$)"), "是的"),
    (re.compile(r"(?<=[好对])德(?=[\s，,。!！~～]|$)"), "的"),  # 好德, 对德 (de)
    (re.compile(r"要德"), "要得"),  # south-western yes, mistyped
    (re.compile(r"撒子"), "什么"),  # south-western "what", mistyped: 莫得撒子问题
    # voice input: 随了一只 (sui) of broken goods; 两纸 (zhi) of pieces
    (re.compile(r"(?<![跟追伴相尾])随了(?=\s*[一两二三四五六七八九十几\d])"), "碎了"),
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])纸(?![箱盒袋巾币质])"), "只"),
    # handwriting and pinyin slips: 今 (jin) for 斤 after a number ("烂了两今", "三今半"); 得 (de) for 的 ending
    # a clause or opening a yes ("是得", "好得", "新得", "对得吧"; not 觉得, 记得, 要得 ...); 在 (zai) for 再
    # before sending again ("在发一瓶"); 每 (mei) for 没 ("还是每电"); 还 (huan) for 换 before a new one
    (re.compile(r"(?<=[一两二三四五六七八九十几半\d])\s*今(?![天年日早晚后儿])"), "斤"),
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![觉记晓认值懒舍难要使免显获取懂见怪巴恨省亏落博赢少不唔冇晓觅来食用搞去行就])得"
                r"(?=$|[\s，,。.!！~～?？]|吧|把|啊|呀|嘛)"), "的"),
    (re.compile(r"(?<=[买发寄拍要选订])得(?=[\u4e00-\u9fff])(?![起了到着及过上出动很太])|(?<=[烂坏碎死裂])得(?=有|就有|占)"),
     "的"),
    (re.compile(r"(?<![现正存还实自内所])在(?=(?:发|补|寄|换|买|给我发|给我补)(?:一|两|个|\d|回|过|件|瓶|盒))"), "再"),
    (re.compile(r"每(?=电|气|反应|收到|发货|发出|到货|动静|人理|人管|人回)"), "没"),
    (re.compile(r"还(?=(?:一)?[个件台双瓶盒条只部]?新(?:的|$|[\s，,。.!！吧]))"
                r"|(?<=给我|帮我)还(?=成|个|一个|双|件|条|台)"), "换"),
    (re.compile(r"(?<=[出付掏])嘛(?=$|[\s，,。.!！?？])"), "吗"),  # 运费要我出嘛 (ma)
    (re.compile(r"^恩"), "嗯"),
    (re.compile(r"(?<![a-z])(?:tuikuan|tui kuan)(?![a-z])"), "退款"),
    # a courtesy, no condition: "要是可以的话麻烦直接帮我退货退款吧", "方便的话帮我换个新的"
    (re.compile(r"(?:要是|如果|若是|假如)?(?:可以|方便|允许)的话[，,\s]*(?=[\u4e00-\u9fff])"), ""),
    (re.compile(r"(?<=[了有])以半"), "一半"),  # 烂了以半 (yi ban)
    # voice input: "给我不发两个好的" (bu fa)
    (re.compile(r"(?<=给我|帮我|给俺)不发(?=[\d一两二三四五六七八九十几]+\s*[个只件盒瓶袋双条])"), "补发"),
    (re.compile(r"(?<=[都也还])\s*(?:ok|okay|okk)(?![a-z])", re.IGNORECASE), "好好的"),  # "另外5盒都OK"
    # whole words in pinyin: bu fa (补发), huan huo (换货), tui huo (退货), tui qian (退钱)
    (re.compile(r"(?<![a-z])bu\s?fa(?![a-z])"), "补发"),
    (re.compile(r"(?<![a-z])bu\s?yong(?![a-z])\s*"), "不用"),  # (with the word it negates: "bu yong bu fa")
    (re.compile(r"(?<![a-z])bu\s?yao(?![a-z])\s*"), "不要"),
    (re.compile(r"(?<![a-z])huan\s?huo(?![a-z])"), "换货"),
    (re.compile(r"(?<![a-z])tui\s?huo(?![a-z])"), "退货"),
    (re.compile(r"(?<![a-z])tui\s?qian(?![a-z])"), "退钱"),
    # 推款, 推宽, tui钱, tui前 (tui); "推一条的钱"
    (re.compile(r"推(?=款|宽|狂|矿|钱|[一两二三四五六七八九十\d几半][^，。,.!！？?\s]{0,3}的?钱)"
                r"|tui(?=\s*[款钱货前宽])"), "退"),
    (re.compile(r"(?<=[\u4e00-\u9fff])\s*le\b"), "了"),  # 包的太随便le
    (re.compile(r"列(?=了|开|缝|口)"), "裂"),  # 列了两个 (lie)
    (re.compile(r"(?<![关开释心胸情缅])怀(?=了|掉)"), "坏"),  # voice input: 有两个怀了 (huai)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*和(?=[\s，,。.!！]|$|的|都|全|坏|烂|少|没|退|补)|(?<=[那这])和(?=[退补换的])"),
     "盒"),  # 少一和, 那和退钱 (he)
    (re.compile(r"退狂|退宽|退矿"), "退款"),
    (re.compile(r"(?<=[烂坏碎死霉了有])一般(?!般)"), "一半"),  # 烂了一般 (yi ban)
    (re.compile(r"退前|退线"), "退钱"),
    (re.compile(r"(?<=重新)法|(?<=给我)法|(?<=补)法|(?<=重)法(?!律|规|则|院)"), "发"),
    (re.compile(r"(?<=[\d一二两三四五六七八九十])\s*ge\b"), "个"),
    (re.compile(r"(?<=[\u4e00-\u9fff])ge(?![a-z])"), "的"),  # Cantonese typed: 正确ge (嘅)
    # other measure words in pinyin after a number: "漏了3ping", "少了2he"
    *((re.compile(rf"(?<=[\d一二两三四五六七八九十])\s*{pinyin}(?![a-z])"), word) for pinyin, word in (
        ("ping", "瓶"), ("he", "盒"), ("dai", "袋"), ("xiang", "箱"), ("jin", "斤"), ("zhi", "只"),
        ("jian", "件"), ("bao", "包"), ("shuang", "双"), ("tiao", "条"), ("guan", "罐"))),
    (re.compile(r"一伴|一办"), "一半"),
    (re.compile(r"(?<=分之)以(?![上下内外前后来为及])"), "一"),  # 三分之以 (yi)
    (re.compile(r"(?<=[就只才])道(?=了)"), "到"),  # 6个就道了5个 (dao)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*灌"), "罐"),  # 一灌发霉 (guan)
    (re.compile(r"发酶|发梅|发没(?=了)"), "发霉"),
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*快(?![递点些乐速车])"), "块"),  # 压坏了两快 (kuai)
    (re.compile(r"(?<=[了来有少就到剩])山(?=[包个只件盒袋瓶罐])"), "三"),  # 就来了山包 (san)
    (re.compile(r"(?<![\d一二两三四五六七八九十几第])四了(?=[一两二三四五六七八九十几\d])|(?<![a-z])si了"), "死了"),
    # (四了三只, si了一斤: si)
    (re.compile(r"(?<=多[扣收付交])得"), "的"),  # 退那多扣得
    (re.compile(r"(?<![\d一二两三四五六七八九十几半.])斤半"), "一斤半"),  # spoken: 烂了斤半
    (re.compile(r"肿么|咋个"), "怎么"),
    (re.compile(r"恰饭"), "吃饭"),  # Hunan 恰 (eat): "冇法恰", "恰不得"
    (re.compile(r"(?<=[法能好难冇没不])恰(?=$|了|的|得|不|[\s，,。.!！~～])"), "吃"),
    (re.compile(r"冇法"), "没法"),
    (re.compile(r"木有|没得|莫得|冇得|冇"), "没有"),  # south-western, Cantonese "none"
    (re.compile(r"^是撒|^是噻|^[系係](?:啊|呀|啦|咯|嘅|喇)"), "是的"),
    # "三分只一": a slip of 之 between two numbers
    (re.compile(r"(?<=[一二两三四五六七八九十\d])\s*分[只之支知治]\s*(?=[一二两三四五六七八九十\d])"), "分之"),
    # pinyin slips of 个 (ge) after a number: 两各, 三格, 2哥
    (re.compile(r"(?<=[一二两三四五六七八九十几\d])[各格哥](?![种位自类子外式局调电])"), "个"),
    (re.compile(r"满以|满义|满议|蛮意|瞒意|满易|满衣|满宜|慢意|漫意|曼意|满一(?=[的啊呀了吧哦!！。~～\s]|$)"), "满意"),
    (re.compile(r"克以|可已|可义|科以|可宜|可仪|可依(?=$|[\s，,。.!！吧的])"), "可以"),
    (re.compile(r"^可疑(?=[\s，,。.!！~～吧的啊]*$)"), "可以"),  # voice input: 可疑 (suspicious) said alone
    (re.compile(r"阔以"), "可以"),  # south-western "还阔以"
    (re.compile(r"区消|取效|取销|取小(?=订单|吧|了|算了|$|[\s，,。.!！])"), "取消"),  # pinyin slips of 取消 (qu xiao)
    (re.compile(r"(?<=还)么(?=发|到|收|动|寄|退|人)"), "没"),  # 还么发货 (mei)
    (re.compile(r"发布发(?!布会)"), "发不发"),  # 到底发布发 (bu)
    (re.compile(r"亦(?=不|没|无|未|是|可|要|已)"), "也"),  # formal: 补发亦不接受
    (re.compile(r"品台|平太|苹台"), "平台"),  # pinyin slips of 平台 (ping tai)
    (re.compile(r"客福|客户服务"), "客服"),
    (re.compile(r"验正码|验证吗(?=[\s，,。.!！？?吧]|$)|严正码"), "验证码"),
    (re.compile(r"(?<![进脚同跟])步对"), "不对"),  # pinyin slip of 不对 (bu dui): 哦步对 是两个
    (re.compile(r"(?<![木马花甘幽春秋芝])兰(?=了|掉|的)"), "烂"),  # 兰了3个 (lan)
    (re.compile(r"神马"), "什么"),
    (re.compile(r"多就(?=到|能|可以|退|回|发|才|会|\s*[？?吗呀啊]|$)"), "多久"),  # 退款多就到账, 退钱要多就？
    (re.compile(r"从新|冲新|充新|崇新"), "重新"),
    # 码 typed as 吗 after a size (pinyin ma): "我要的是L吗，来的是XL吗", "重新发L吗的"
    (re.compile(r"(?<![a-z])(x{0,3}[sml])吗(?=的|[，,。.\s]|[\u4e00-\u9fff])"), r"\1码"),
    (re.compile(r"腿(?=款|钱|货|费)"), "退"),  # 腿款 (tui)
    (re.compile(r"陪(?=点|钱|偿|我|付|款)"), "赔"),  # 陪点钱 (pei)
    (re.compile(r"还型|还形"), "还行"),
    (re.compile(r"一班(?![车人次机级长主])"), "一般"),  # 一班 (yi ban): a rating of 一般
    # 灰常, 飞常, 非长满意 (fei chang)
    (re.compile(r"灰常|[飞菲啡]常|非[长场尝厂肠畅](?=满意|好|棒|差|不|感谢|失望|快|慢)"), "非常"),
    (re.compile(r"(?<=转)\s*[仁任认忍]\s*[工功公]|(?<=转)人[功公攻]"), "人工"),  # 转仁工, 转人公 (ren gong)
    (re.compile(r"发措|发挫"), "发错"),
    (re.compile(r"(?<=发错)火|(?<=错)火(?=了)"), "货"),  # 发错火了 (huo)
    (re.compile(r"只前(?=说|讲|就|已经|叫|让|跟|和)"), "之前"),  # 我只前说过 (zhi)
    (re.compile(r"连系"), "联系"),
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])给(?=$|[\s，,。.!！]|都|全|是)"), "个"),  # 烂了两给 (ge)
    # north-east and Tianjin: 贼得劲 (great), 介 (this), 嘛 (what) before a noun
    (re.compile(r"(?:贼|老|真|挺|可|倍儿)?得劲(?:儿)?"), "很好"),
    (re.compile(r"^介(?=[\u4e00-\u9fff])|(?<=[\s，,。])介(?=耳机|个|东西|玩意|货|是)"), "这"),
    (re.compile(r"嘛(?=声|事|玩意|东西|用)"), "什么"),
    (re.compile(r"图层(?=掉|脱|起|剥|花)"), "涂层"),  # 图层掉了 (tu ceng)
    (re.compile(r"(?<=[退补])[查插茶]价"), "差价"),  # 退查价, 退插价
    (re.compile(r"将价|降架|酱价"), "降价"),
    (re.compile(r"(?<=价格|价钱|降价|便宜)讲了|(?<=[今昨前当]天)讲了(?=\d|[一二三四五六七八九十几])"), "降了"),
    (re.compile(r"伐要|勿要|覅|不消"), "不要"),  # Wu and south-western "don't want"
    (re.compile(r"铜钿|钞票"), "钱"),
    (re.compile(r"(?<=[一两二三四五六七八九十\d])之(?![一二三四五六七八九十\d])"), "只"),  # voice input: 两之
    (re.compile(r"(?<=[少了漏坏碎烂死有])[亮量凉粮](?=[个只件盒瓶袋箱斤包双条罐])"), "两"),  # 少发了亮个 (liang)
    # pinyin slips of measure words after a number: 一合 (盒), 一平 (瓶)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*合(?![适格同理作算计并成约法一])"), "盒"),
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*平(?![方米安时常台均衡板])"), "瓶"),
    (re.compile(r"(?<![宣公发分散跑进脚漫])[布步捕埠]发(?![现布表展生])"), "补发"),  # pinyin slips of 补发 (bu fa)
    # 少发了一相 (xiang)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*[相厢湘](?![同信关比对应似当互处机片情])"), "箱"),
    (re.compile(r"(?<![全内外总局细一大干本])部发(?![现布表展生])"), "补发"),  # 部发吧 (not 全部发错)
    (re.compile(r"[俾畀](?=我|返)"), "给"),  # Cantonese "give": 赔啲俾我
    (re.compile(r"(?<=[赔退补])啲"), "点"),  # Cantonese "some": 赔啲, 退啲钱

    # 好的把 (ba); not the measure word of "少了一把" (a bundle)
    (re.compile(r"(?<=[吧了的啊])把$|(?<=[^\s])(?<![一两二三四五六七八九十几\d])把(?=[\s!！。]*$)"), "吧"),
    (re.compile(r"可义|可已|可一(?=$|[\s，,。.!！])"), "可以"),  # typing slips of 可以
    (re.compile(r"(?<=[一二三四五12345])粉"), "分"),  # 五粉
    (re.compile(r"俺"), "我"),  # northern "I"
    (re.compile(r"(?:杠|齁|忒)(?=满意|好|棒|快|差|慢)"), "非常"),  # Shandong, Hebei "very": 杠满意, 齁慢
    (re.compile(r"(?<!喇)叭(?=$|[\s，,。!！~～?？]|嘛|啦)"), "吧"),  # internet 退叭, 好叭 (not 喇叭)
    (re.compile(r"(?<=[\u4e00-\u9fff])捏(?=$|[\s，,。!！~～?？])"), "呢"),  # internet "sorry捏", 咋办捏
    (re.compile(r"(?<![a-z])(?:ksl|kyl|kyi|keyi|ke yi)(?![a-z])"), "可以"),  # internet initials and pinyin of 可以
    (re.compile(r"^\s*(?:haode|hao de|hao|hd)(?![a-z])"), "好的"),  # pinyin yes: "hao", "haode"
    (re.compile(r"(?<=[行好样])8(?=$|[\s，,。!！~～])"), "吧"),  # 行8 就这样8 (ba)
    (re.compile(r"(?<=[退好行补换])八(?=$|[\s，,。!！~～])"), "吧"),  # 退八 (ba)
    (re.compile(r"布然(?:ne|呢)?|不然ne"), "不然呢"),  # 布然ne？ (bu ran ne)
    (re.compile(r"问提|文题|问体"), "问题"),  # 没问提 (wen ti)
    (re.compile(r"(?<=[个只件瓶盒碗杯])岁(?=了)"), "碎"),  # 碗岁了2个 (sui)
    (re.compile(r"布要白不要"), "不要白不要"),
    (re.compile(r"(?<=[咋怎么])半(?=$|[\s，,。!！~～?？呢啊])"), "办"),  # 咋半 (ban)
    (re.compile(r"(?<=还用)闻"), "问"),  # 这还用闻 (wen)
    # 扣了两刺 (ci)
    (re.compile(r"(?<=[一两二三四五六七八九十\d])刺(?=$|[\s，,。!！~～\d一二三四五六七八九十])"), "次"),
    # a digit before 十: "2十个" is 20, "2十3" is 23 (typed half in digits)
    (re.compile(r"(?<![\d.])([1-9])十([1-9])?(?=[个只件盒瓶袋箱斤包双条枚颗])"),
     lambda m: str(int(m.group(1)) * 10 + int(m.group(2) or 0))),
    (re.compile(r"(?<![\d.一二两三四五六七八九])十([1-9])(?=[个只件盒瓶袋箱斤包双条枚颗])"), r"1\1"),  # 十2个: 12
    (re.compile(r"拉倒"), "算了"),  # northern "forget it"
    # the odd change let go in a bargain ("两样加起来给我一百 零头我都不要了"): no remedy turned down
    (re.compile(r"零头(?:我|你)?(?:都|也|就)?不(?:要|用|算)了?"), "零头不计"),
    (re.compile(r"算(?:数)?(?:啦|喇|咯|罗|啰)(?=$|[\s，,。.!！~～…])"), "算了"),  # "算啦，五块就五块", Cantonese 算数啦
    (re.compile(r"甭(?=再|在|联系|打|发|来|烦|找|问|催|补|退|换|提交|办)"), "别"),  # Beijing "don't": 甭再联系我了
    # a sum taken as it is: "25就25" (yuan), "几分中" (zhong: minutes)
    (re.compile(r"(?<![\d.])(\d+(?:\.\d{1,2})?)\s*就\s*\1(?![\d.块元个只件盒斤])"), r"\1块就\1块"),
    (re.compile(r"几分中"), "几分钟"),
    (re.compile(r"(?<=[到入])帐"), "账"),  # 到帐
    (re.compile(r"(人工|真人|机器人|客服|官方)妈"), r"\1吗"),  # 你是人工妈 (ma)
    (re.compile(r"哪哒|哪嗒"), "哪里"),  # Hunan "where"
    (re.compile(r"(?<![什怎这那多要])(?:么子|么个|么斯|么事)"), "什么"),  # Hunan, Hubei "what": 冇得么子问题, 搞么斯
    # Wuhan 么 (什么) before a time: "钱么时候能退到我微信里头"
    (re.compile(r"(?<![什怎这那多要])么时候|(?<![干为])嘛时候"), "什么时候"),  # Tianjin 嘛时候
    (re.compile(r"(?<=[别不勿莫])(?:再|在)?练习(?=我)"), "再联系"),  # 别再练习我了 (lian xi)
    (re.compile(r"通意|同以"), "同意"),  # 通意。 (tong yi)
    (re.compile(r"(?:倒|也|倒也)?不是不(行|可以|能接受)"), r"也\1"),  # "倒也不是不行": it will do
    # Wu 伐 asks: "有补偿伐？", "好伐"
    (re.compile(r"(?<=[好有是对要能以行来到发退赔补吃用偿了钱])伐(?=$|[?？\s，,。.!！~～])"), "吗"),
    (re.compile(r"还性(?=$|[吧啊呀。.!！~～\s])"), "还行"),  # 还性 (hai xing)
    (re.compile(r"莫得"), "没得"),  # Sichuan "there is none": 莫得法吃
    (re.compile(r"没(?:有|得)法(?=[吃用穿喝看戴住睡弄])"), "没法"),  # "莫得法吃": cannot be eaten, none missing
    # 一个个看了: one by one (not "一瓶瓶身裂了": one bottle, its body cracked)
    (re.compile(r"一([个只件盒袋瓶])\1(?=[看数查翻拆挑试摸拿点称检])"), "逐个"),
    # Hunan 哒 (了): "死哒一斤", "不要哒", "拍哒四天哒"; not 么么哒, nor 哒哒 (a sound)
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![么哒])哒(?!哒)"), "了"),
    # Hubei, Hunan 咯: 的 before what is paid for ("少咯两罐咯钱"), else 了 ("碎咯两只", "扣咯两笔");
    # not 咯吱, 咯噔, 咯血, nor the yes of 得咯
    (re.compile(r"(?<=[个只件盒瓶袋箱罐包斤双条])咯(?=钱|货|东西)"), "的"),
    # Hunan 咯 (this): "就咯样咯" (就这样了); a remedy with 咯 is chosen: "退咯退咯", "补咯" (退吧)
    (re.compile(r"(?<![得了])咯(?=样|个样|回|次)"), "这"),
    (re.compile(r"(?<=[退补换])咯(?=$|[\s，,。.!！~～]|[退补换])"), "吧"),
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<!得)咯(?![吱噔血])"), "了"),
    # Hubei, Hunan, south-western 撒 closing a clause: "退撒", "补发撒", "好撒" (吧); not 洒 spilled
    (re.compile(r"(?<=[\u4e00-\u9fff])撒(?=$|[\s，,。.!！~～])"), "吧"),
    (re.compile(r"交关"), "非常"),  # Wu "very": 交关满意
    # Wu: 死脱 (died), 里厢 (inside), 勿 (not: "一动也勿动"), 迭能 / 实梗 (like this)
    (re.compile(r"死脱|死特|死拖"), "死了"),
    # a crab, fish or shrimp belly up: "肚子翻着", "肚皮朝天", "翻了一层白肚子"
    (re.compile(r"肚(?:子|皮)(?:都)?(?:翻着|朝天|朝上|翻过来了?)|翻了?(?:一层|一片|好多|一堆)白肚(?:子|皮)?"), "死了"),
    (re.compile(r"里厢"), "里面"),
    (re.compile(r"(?<![请切])勿"), "不"),
    (re.compile(r"迭能|实梗"), "这样"),
    # Hunan, south-western 莫 (don't): "莫再发咯", "以后莫联系我"
    (re.compile(r"莫(?=再|在|联系|打|发|来|烦|找|问|管|催|推|补|退|换|要|给|帮|搞|弄|取消|啰嗦|罗嗦|磨叽)"), "别"),
    # Henan 白 (don't) before what is not to be done: "白再给俺发消息了", "白联系俺"
    (re.compile(r"(?<![明空雪蛋黄洁纯漂美苍灰黑红大小])白(?=再(?:给|联系|发|打|烦|来|问|催)|联系|给(?:俺|我)(?:发|打)|打电话|烦|催)"),
     "别"),
    # Henan 中 (all right) said alone or with a particle: "中吧", "中 给俺"
    (re.compile(r"(?:^|(?<=[\s，,。.!！~～]))中(?=吧|啊|呀|嘞|哩|$|[\s，,。.!！~～])"), "行"),
    (re.compile(r"呢啲|呢些"), "这些"),  # Cantonese "these"
    (re.compile(r"补返|补番"), "补发"),  # Cantonese "send the rest": 帮我补返一斤
    # Cantonese "send (it) to me": 寄返啱嘅俾我 (not 退返, the money back)
    (re.compile(r"([寄发])[返番](?=[^，,。.!！？?\s]{0,8}[俾畀给]我)"), r"\1"),
    (re.compile(r"啱啱"), "刚刚"),  # Cantonese "just now"
    # Northeastern: 整岔劈了 (got it wrong), 瞅瞅 (look), 一点事儿没有 (nothing wrong at all)
    (re.compile(r"(?:整|弄|搞)?岔劈了?"), "搞错了"),
    (re.compile(r"瞅瞅|瞅一?眼"), "看看"),
    (re.compile(r"一点事儿?(?:都|也)?没有"), "一点事没有"),
    (re.compile(r"啱"), "对"),  # Cantonese "right": 啱嘅 (the right one), 啱唔啱 (right?)
    (re.compile(r"即刻"), "马上"),  # Cantonese "at once": 即刻退
    (re.compile(r"(?<=就)得(?=$|[\s，,。.!！~～]|啦|喇|嘞|了)"), "行"),  # Cantonese "will do": 照寄俾我就得
    (re.compile(r"退返|退番"), "退回"),  # Cantonese "refund": 快啲退返俾我
    (re.compile(r"换返|换番"), "换回"),  # Cantonese "change back to": 换返灰色俾我
    (re.compile(r"(?<=[死烂坏碎臭])(?:[咗了])?成半"), "了一半"),  # Cantonese 成半 (about half): 死咗成半
    (re.compile(r"补尝|补常|补赏"), "补偿"),  # pinyin slips of 补偿 (bu chang)
    # 死了两直 (zhi); not the 一直 (all along) of "一直没拿到", "一直不发货"
    # (一直 itself only at the end of a clause, "死了一直": "现在一直吐", "一直响" are all along)
    (re.compile(r"(?<=[两二三四五六七八九十几\d])直(?![接到播线的没不在都是等拖说很挺有要想联系催找问打显示卡未处呒嘸勿])"
                r"|(?<=[十\d]一)直|(?<=一)直(?=$|[\s，,。.!！？?~～])"),
     "只"),
    (re.compile(r"价钿"), "价钱"),  # Wu "price"
    (re.compile(r"退冰"), "解冻"),  # Taiwanese "thawed": 整块都退冰了
    (re.compile(r"(?<=没)折抵|(?<=没有)折抵|折抵(?=没)"), "抵扣"),  # Taiwanese "deducted": 优惠券没有折抵
    # Cantonese 冇咗气, 冇晒气, 都冇气嘞 (冇 read as 没有 above): dead
    (re.compile(r"没有[咗了晒]气(?![味色])|没有气(?=[嘞啦喇咯了]|$)"), "没气了"),
    (re.compile(r"(?<=[死烂坏碎])晒(?![干太衣被])"), "光了"),  # Cantonese 晒 (all): 死晒, 烂晒
    (re.compile(r"(?<=湿)晒(?![干太衣被])"), "透了"),  # Cantonese 湿晒 (soaked through)
    (re.compile(r"(?<=齐)晒(?:嘅|的)?"), "了"),  # Cantonese 齐晒 (all there): "6盒齐晒嘅"
    (re.compile(r"(?<=[一两二三四五六七八九十几\d每])\s*樽|樽(?=装)"), "瓶"),  # Cantonese 樽 (bottle): 四樽有两樽爆咗
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*爽(?![快口朗])"), "双"),  # 少了一爽 (shuang)
    # 补发巴, 退款巴 (ba); not 嘴巴, 尾巴, 下巴, 大巴
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![嘴尾下大中盐泥哑结锅干])巴(?=$|[\s，,。!！~～])"), "吧"),
    # slips of measure words and of 次 / 笔 after a number: "死了一跳" (tiao), "扣了两吃" (ci), "少了两比" (bi)
    (re.compile(r"(?<=[一两二三四五六七八九十几\d])\s*跳(?![舞绳高远水楼槽])"), "条"),
    (re.compile(r"(?<=[扣付刷交收])(了?我?[两二三\d])[吃词此刺](?=钱|款|了|$|[\s，,。!！])"), r"\1次"),
    (re.compile(r"(?<=[一两二三\d])比(?![较例如赛分一1])"), "笔"),
    # Cantonese: 死咗 (died), 唔该 (thanks), 唔 (not), 郁都唔郁 (not moving at all), 嘅 (of)
    (re.compile(r"[唔不]好意[思四死识](?:晒)?"), "不好意思"),  # Cantonese 唔好意思晒; 不好意四 (si)
    (re.compile(r"唔该晒?|唔該晒?"), "谢谢"),
    (re.compile(r"歹势|拍谢"), "不好意思"),  # Minnan "sorry"
    (re.compile(r"唔好(?=再|在|[发打联搞烦找问传]|send)"), "不要"),  # Cantonese "don't": 唔好再联络我
    # Cantonese words with no simplified pair: 乜嘢 (what), 嘢 (thing), 攞 (take)
    (re.compile(r"乜嘢|乜野"), "什么"),
    (re.compile(r"嘢"), "东西"),
    (re.compile(r"攞"), "拿"),
    (re.compile(r"郁都唔郁|郁都不郁|唔识郁"), "一动不动"),
    (re.compile(r"咗"), "了"),
    (re.compile(r"喺度|喺嗰度"), "在那里"),  # Cantonese "there"
    (re.compile(r"喺"), "在"),
    (re.compile(r"瞓"), "躺"),  # Cantonese "lie, sleep"
    # Cantonese: 你哋 (you), 系咪 (is it), 嚟 (come), 点解 (why), 30蚊 (yuan), 咁 (so), 得唔得 (all right?),
    # 唔识 (cannot), 揾 (look for), 睇 (see), 而家 (now), 仲 (still), 痕 (itch), 呃人 (cheat), 几好 (quite good)
    (re.compile(r"([你我佢])哋"), lambda m: {"你": "你们", "我": "我们", "佢": "他们"}[m.group(1)]),
    (re.compile(r"佢"), "他"),
    (re.compile(r"係咪|係唔係|係不係|系咪|系唔系|系不系"), "是不是"),
    (re.compile(r"(?<=[关联维])係"), "系"),  # 關係 is 关系
    (re.compile(r"係"), "是"),  # Cantonese 係 (is)
    (re.compile(r"唔系"), "不是"),
    (re.compile(r"(?<=[我你他都就也真])系(?![统列数])"), "是"),
    (re.compile(r"俾(?!便)"), "给"),  # Cantonese "give": 唔会俾验证码你
    (re.compile(r"使唔使"), "用不用"),
    (re.compile(r"得唔得"), "行不行"),
    (re.compile(r"嚟"), "来"),
    (re.compile(r"(?<!得)[㗎喎]"), "的"),
    (re.compile(r"点解"), "为什么"),
    (re.compile(r"(?<=[\d一两二三四五六七八九十百千几])\s*蚊"), "块"),
    (re.compile(r"咁(?=[少多贵慢差快大细小])"), "这么"),
    (re.compile(r"就咁(?=[退办做搞弄啦吧喇算得]|$|[\s，,。.!！~～])"), "就这样"),  # Cantonese "就咁退啦": just so
    (re.compile(r"唔识"), "不会"),
    (re.compile(r"揾"), "找"),
    (re.compile(r"睇"), "看"),
    (re.compile(r"而家"), "现在"),
    (re.compile(r"(?<![\u4e00-\u9fff])仲|仲(?=[有未係系要])"), "还"),
    (re.compile(r"痕痒"), "痒"),
    (re.compile(r"(?<=[红又好])痕"), "痒"),
    (re.compile(r"起晒"), "起满了"),
    (re.compile(r"(?<=们)啲"), "的"),
    (re.compile(r"啲"), "些"),
    (re.compile(r"呃人"), "骗人"),
    (re.compile(r"(?<=[好难咗了唔不冇没])食|食(?=咗|了|完|过)"), "吃"),
    (re.compile(r"几(?=好|满意|开心|正|靓)"), "挺"),
    (re.compile(r"寄返|寄番"), "寄回"),
    (re.compile(r"换过(?=[一部个件只台双])"), "换"),
    (re.compile(r"呢个|呢只|呢件"), "这个"),
    (re.compile(r"(?<=[播佢他她家你们])话(?=[\u4e00-\u9fff])(?!费|题|筒|术|语|剧)"), "说"),  # 主播话 (the host said)
    (re.compile(r"嗰啲|嗰些"), "那些"),
    (re.compile(r"嗰"), "那"),
    # North-west (Shaanxi, Gansu, Ningxia, Qinghai): 额 (I) opening a clause or after 给 / 把 / 让 (before
    # the Wu 额 of 的 below: "是额", "好额"), 咧 (了), 嫑 (don't), 能成 / 成呢 (all right), 么 (没) before
    # what is missing, 麻达 (trouble), 撒 (啥) before a noun, 瞎咧 / 日塌咧 (gone bad, broken), 日弄 (cheat),
    # 一满 (all), 兀 (that), 阿门家 (how), 尕 (little), 碎娃 (child: no 碎 of broken goods), 嫽 (fine),
    # 一哈 (一下), 谝 (chat)
    (re.compile(r"(?:^|(?<=[\s，,。.!！?？~～…]))额(?=[\u4e00-\u9fff])(?![度外头定满尔])"), "我"),
    (re.compile(r"(?<=[给把让叫帮跟和找怼骗坑催耽搁系理复弄扣吵烦害气])额(?![度外头定满])"
                r"|(?<![金超名余限定数差巨份配税面总全])额(?=自己|\d|再|还|都|也|就|要|想|不|没|已经|刚|又|买|等|看|问|找|吃|用|在"
                r"|给|跟|让|老汉|老婆|家|娃|孙|投诉|举报)"), "我"),
    (re.compile(r"(?<=[\u4e00-\u9fff\d])咧(?!嘴|开)"), "了"),
    (re.compile(r"嫑"), "不要"),
    (re.compile(r"(?<![不没])能成(?=$|[\s，,。.!！~～]|了|呢|啊|吧|能成)"
                r"|^成(?:呢|咧|了)?(?=$|[\s，,。.!！~～])"), "可以"),
    # "别提了" ("嫑提咧"): how bad it was, said to open, no "no"
    (re.compile(r"(?:^|(?<=[\s，,。.!！~～]))(?:快)?(?:别|不要|甭)提了"), "唉"),
    (re.compile(r"[么没](?:得)?麻达"), "没问题"),
    (re.compile(r"麻达"), "问题"),
    (re.compile(r"(?<![这那什怎多要为干])么(?=有|动|敢|反应|发|见|寻|降|收|到|问题|事|人理|人管|用|回|声|法)"), "没"),
    (re.compile(r"(?<![\u4e00-\u9fff])撒(?=[\u4e00-\u9fff])(?![了咧])|撒(?=烂|态度|也|时候|意思|东西|情况|玩意|问题|子|货)"),
     "啥"),
    (re.compile(r"瞎(?=[了咧](?:\s*[一两二三四五六七八九十半大多好几\d]|$|[\s，,。!！]))"), "坏"),
    (re.compile(r"日塌|日踏"), "坏"),
    (re.compile(r"日弄|日哄"), "骗"),
    (re.compile(r"一满"), "全"),
    (re.compile(r"兀(?=个|些|搭|里|家)"), "那"),
    (re.compile(r"[阿啊]门家|[阿啊]么家"), "怎么"),
    (re.compile(r"尕"), "小"),
    (re.compile(r"碎娃"), "孩子"),
    (re.compile(r"嫽(?:扎[了咧]|得很|咋[了咧])?"), "很好"),
    (re.compile(r"(?<=[一两几])哈(?![哈密尔佛])"), "下"),
    (re.compile(r"谝"), "聊"),
    # Henan: 嘞 (了 inside a clause: "拍嘞四瓶"; 的 of "是嘞"), 恁 (you)
    (re.compile(r"^(?:是|对)嘞"), "是的"),
    (re.compile(r"(?<=[\u4e00-\u9fff])嘞(?=[\u4e00-\u9fff\d])"), "了"),
    (re.compile(r"恁们|恁(?=就|给|这|那|家|咋|发|寄|说|卖|店|们|是|把|还|都|也|可)"), "你们"),
    # Wu (Shanghai): 侬 (you), 阿拉 (I, we), 伐 (question particle), 哪能 (how), 额 (of), 迭眼 (this little),
    # 辰光 (time), 调 (exchange), 碎脱 (broken), 里向 (inside), 姆妈 (mum), 伊 (he, she)
    (re.compile(r"侬拉|侬们"), "你们"),
    (re.compile(r"侬"), "你"),
    # 呒没 (not have), 寻 (look for), 搿 (this), 老好 (very good), 活络 (lively)
    (re.compile(r"呒没|呒得|嘸没"), "没有"),
    (re.compile(r"呒"), "没"),
    (re.compile(r"寻(?=我|你|人|阿拉|侬|伊|他)"), "找"),
    (re.compile(r"搿"), "这"),
    (re.compile(r"(?<![不])老好(?=额|的|了|$|[\s，,。.!！~～])"), "很好"),
    (re.compile(r"活络"), "活蹦乱跳"),
    (re.compile(r"(?<=[不没])董(?=了|$|[\s，,。.!！~～])"), "动"),  # 不董了: 不动了 mistyped
    (re.compile(r"阿拉(?!斯加|伯|丁|比|善)"), "我"),  # (not 阿拉斯加帝王蟹)
    (re.compile(r"(?<=[好退行对要是有能])伐(?=$|[\s，,。.!！？?~～])"), "吗"),
    (re.compile(r"哪能"), "怎么"),
    (re.compile(r"(?<![金超名余限定数差巨份配税面总全])额(?![度外头定满])"), "的"),
    (re.compile(r"迭眼|迭点"), "这点"),
    (re.compile(r"辰光"), "时候"),
    (re.compile(r"(?<![强协空单声基步音])调(?=一|个|只|件|双|台|条)"), "换"),
    (re.compile(r"(?<=[碎坏烂破])脱"), "了"),
    (re.compile(r"退脱(?:伊|它)?"), "退掉"),  # 退脱伊: send it back, refund it
    (re.compile(r"(?<=[还给送寄退补发的])拨(?=我|你)"), "给"),  # 钞票还拨我: give the money back to me
    (re.compile(r"里向"), "里面"),
    (re.compile(r"姆妈"), "妈妈"),
    (re.compile(r"伊(?=讲|回|说|寄|发|拉黑|就|个态度)"), "他"),
    # Sichuan: 啥子 (what), 莫法 (no way), 好久到 (how long till)
    (re.compile(r"啥子"), "什么"),
    (re.compile(r"莫法"), "没法"),
    (re.compile(r"好久(?=到|能到|才到|能退|退|回来|到账|发)|(?<=[要得等])好久(?=\s*[嘛噻哦啊呀？?]|$)"), "多久"),
    # Taiwanese Mandarin: 讯息 (message), 结帐 (check out)
    (re.compile(r"传讯息|传简讯"), "发消息"),
    (re.compile(r"讯息|简讯"), "消息"),
    (re.compile(r"结帐"), "结账"),
    (re.compile(r"[唔不]使"), "不用"),  # 唔使退钱: no need
    (re.compile(r"唔好(?=[\u4e00-\u9fff])"), "不要"),  # 唔好取消: don't cancel
    (re.compile(r"几耐"), "多久"),  # 几耐先到账: how long
    (re.compile(r"唔"), "不"),
    (re.compile(r"嘅"), "的"),
    # Minnan (Fujian, Chaoshan, Taiwan): 无 (not, none), 无要 (don't want), 拢 (all), 免 (no need),
    # 乎我 (to me), 敲电话 (phone)
    (re.compile(r"无要|莫要"), "不要"),
    (re.compile(r"^无(?=啦|喔|哦|呢|$|[\s，,。.!！~～])|(?<![一毫全虚])无(?=压|坏|破|碎|烂|活|少|事|问题|动)"), "没"),
    (re.compile(r"拢(?=死|坏|烂|碎|破|臭|发霉)"), "全"),
    (re.compile(r"拢(?=好|是|在|无|没|有|到|对)"), "都"),
    (re.compile(r"(?<![避减豁赦任罢])免(?=了|啦|退|补|寄|发|换|啰)"), "不用"),
    (re.compile(r"(?<=[发寄退送还])乎(?=我)"), "给"),
    (re.compile(r"敲电话"), "打电话"),
    # belly up, said of fish and shrimp: dead ("反晒肚", "虾都翻肚皮了")
    (re.compile(r"[反翻](?:晒|白)?肚(?:皮|白|子)?(?:了)?"), "死了"),
    # answers typed in pinyin: "shi的", "keyi", "liang只", "4fen"
    (re.compile(r"(?<![a-z])shide(?![a-z])"), "是的"),
    (re.compile(r"(?<![a-z])shi(?=的|$|[\s，,。.!！])"), "是"),
    (re.compile(r"(?<![a-z])(?:keyi|ke yi|kyi)(?![a-z])"), "可以"),
    (re.compile(r"(?<![a-z])jiu\s*zhe\s*yang(?:\s*ba)?(?![a-z])"), "就这样吧"),  # keyi jiu zheyang ba
    (re.compile(r"(?<![a-z])(?:fei\s*chang|hen|ting)\s*man\s*yi(?![a-z])"), "非常满意"),  # fei chang man yi
    (re.compile(r"(?<![a-z])bu\s*man\s*yi(?![a-z])"), "不满意"),
    (re.compile(r"(?<![a-z])man\s*yi(?![a-z])"), "满意"),
    (re.compile(r"(?<![a-z])tui\s*qian(?![a-z])"), "退钱"),
    # pinyin halves of a word and net initials: 满yi, 可yi, feichang满意, huan货, lan了, 少fa; tk (退款),
    # hh (哈哈), xs (笑死), bhys (不好意思), nsdd (你说得对), dddd (懂的都懂), yyds (the best), kk (看看)
    (re.compile(r"(?<=满)\s*yi(?![a-z])"), "意"), (re.compile(r"(?<=可)\s*yi(?![a-z])"), "以"),
    (re.compile(r"(?<![a-z])fei\s*chang(?=\s*[\u4e00-\u9fff])"), "非常"),
    (re.compile(r"(?<![a-z])huan(?=\s*(?:货|个|一个|新|成))"), "换"),
    (re.compile(r"(?<![a-z])lan(?=了)"), "烂"),
    (re.compile(r"(?<=[少补重漏错没])fa(?![a-z])"), "发"),
    (re.compile(r"(?<![a-z])tk(?![a-z])"), "退款"),
    (re.compile(r"(?<![a-z])h{2,}(?![a-z])"), "哈哈"),
    (re.compile(r"(?<![a-z])(?:xswl|xs)(?![a-z])"), "笑死"),
    (re.compile(r"(?<![a-z])bhys(?![a-z])"), "不好意思"),
    (re.compile(r"(?<![a-z])nsdd(?![a-z])"), "你说得对"),
    (re.compile(r"(?<![a-z])dddd(?![a-z])"), "懂的都懂"),
    (re.compile(r"(?<![a-z])yyds(?![a-z])"), "太好了"),
    (re.compile(r"(?<![a-z])kk(?![a-z])"), "看看"),
    (re.compile(r"(?<![a-z])xie\s*xie(?![a-z])"), "谢谢"),
    (re.compile(r"(?<![a-z])refund(?=\s*[\u4e00-\u9fff])"), "退款"),  # "refund吧" (not "refund please")
    (re.compile(r"(?<![a-z])(?:bu\s*yao\s*le|buyaole)(?![a-z])(?:\s+(?=[a-z\u4e00-\u9fff]))?"), "不要了"),
    (re.compile(r"(?<![a-z])(?:hao\s*de|haode)(?![a-z])"), "好的"),
    (re.compile(r"(?<![a-z])(?:haode|hao de)(?![a-z])"), "好的"),
    (re.compile(r"(?<![a-z])(?:duide|dui de)(?![a-z])"), "对的"),
    (re.compile(r"(?<=是)\s*de(?![a-z])"), "的"),  # 是de
    (re.compile(r"(?<=退)\s*kuan(?![a-z])"), "款"),  # 退kuan
    (re.compile(r"(?<=退)\s*qian(?![a-z])"), "钱"),  # 退qian
    (re.compile(r"(?<![a-z])sui(?=\s*了)"), "碎"),  # sui了2个
    (re.compile(r"(?<![a-z])(sui|lan|huai|shao|si)\s*le(?![a-z])"),  # sui le yi ge
     lambda m: {"sui": "碎了", "lan": "烂了", "huai": "坏了", "shao": "少了", "si": "死了"}[m.group(1)]),
    (re.compile(r"(?<![a-z])(?:leang|lian|laing)(?![a-z])"), "liang"),  # slips of liang: 少发leang包
    # a number in pinyin before a measure word: "yi ge", "liang zhi" (not shi: 是 or 十)
    *((re.compile(rf"(?<![a-z]){pinyin}\s*(?=(?:ge|zhi|ping|he|dai|xiang|jin|jian|bao|shuang|tiao|guan)(?![a-z])"
                  r"|[个只件盒瓶袋箱斤包双条罐])"), digit)
      for pinyin, digit in (("yi", "一"), ("er", "二"), ("liang", "两"), ("san", "三"), ("si", "四"), ("wu", "五"),
                            ("liu", "六"), ("qi", "七"), ("ba", "八"), ("jiu", "九"))),
    (re.compile(r"(?<=[一二两三四五六七八九])\s*(ge|zhi|ping|he|dai|xiang|jin|jian|bao|shuang|tiao|guan)(?![a-z])"),
     lambda m: dict(ge="个", zhi="只", ping="瓶", he="盒", dai="袋", xiang="箱", jin="斤", jian="件", bao="包",
                    shuang="双", tiao="条", guan="罐")[m.group(1)]),
    (re.compile(r"(?<![a-z])dui(?![a-z])"), "对"),
    (re.compile(r"(?<![a-z])(?:buyong|bu yong)(?![a-z])"), "不用"),
    # a syllable at a time ("bu yao tui qian"): the words run on, as when typed in characters
    (re.compile(r"(?<![a-z])bu\s*yao(?![a-z])(?:\s+(?=[a-z\u4e00-\u9fff]))?"), "不要"),
    (re.compile(r"(?<![a-z])bu\s*xing(?![a-z])(?:\s+(?=[a-z\u4e00-\u9fff]))?"), "不行"),
    (re.compile(r"(?<![a-z])tui\s*huo(?![a-z])"), "退货"),
    (re.compile(r"(?<![a-z])bu\s*huan(?![a-z])(?:\s+(?=[a-z\u4e00-\u9fff]))?"), "不换"),
    # a score in pinyin: "wu xing", "si fen ba"
    (re.compile(r"(?<![a-z])yi(?=\s*(?:fen|xing|颗星|分|星)(?![a-z]))"), "一"),
    (re.compile(r"(?<![a-z])(?:er|liang)(?=\s*(?:fen|xing|颗星|分|星)(?![a-z]))"), "两"),
    (re.compile(r"(?<![a-z])san(?=\s*(?:fen|xing|颗星|分|星)(?![a-z]))"), "三"),
    (re.compile(r"(?<![a-z])si(?=\s*(?:fen|xing|颗星|分|星)(?![a-z]))"), "四"),
    (re.compile(r"(?<![a-z])wu(?=\s*(?:fen|xing|颗星|分|星)(?![a-z]))"), "五"),
    (re.compile(r"(?<=[\d一二两三四五])\s*fen(?![a-z])"), "分"),
    (re.compile(r"(?<=[一两二三四五])\s*xing(?![a-z])"), "星"),
    (re.compile(r"(?<=[分星])\s*ba(?![a-z])"), "吧"),
    (re.compile(r"(?<![a-z])(?:bushi|bu shi)(?![a-z])"), "不是"),
    (re.compile(r"(?<![a-z])liang(?=\s*[个只件盒斤瓶包袋箱])"), "两"),
    (re.compile(r"(?<![a-z])yi\s*ban(?![a-z])"), "一半"),  # 烂了yi ban
    (re.compile(r"(?<=[\u4e00-\u9fff])\s*ba(?=$|[\s，,。.!！~～])"), "吧"),  # 补发ba
    (re.compile(r"(?<![a-z])xing(?![a-z])"), "行"),  # "xing 重新fa吧" (not the xing of "wu xing": 星 above)
    (re.compile(r"(?<=[新补再])\s*fa(?![a-z])"), "发"),
    (re.compile(r"(?<![a-z])lai(?=的|了)"), "来"),
)
# What a partner or a relative said, relayed by the buyer ("她说退吧", "我问问她……她说不换", "我老婆说
# 退了吧"): the words that follow are the buyer's answer.
_RELAYED = re.compile(r"(?:^|(?<=[\s，,。.!！…~～]))"
                      r"(?:(?:我)?问(?:了|过)?(?:问|一下|下)?(?:她|他)?(?:了)?[\s，,。.…]*)?"
                      r"(?:她|他|我老婆|我媳妇儿?|媳妇儿?|老婆|我老公|老公|我妈|我爸|我女朋友|我男朋友|我对象|对象"
                      r"|我爱人|爱人|孩子他妈|孩子他爸)(?:说|讲)(?:了|的是)?[\s，,:：]*")
# Words of the shop or the courier in the same message: a 他说 there may be theirs.
_SOMEONE_ELSE = re.compile(r"客服|商家|店家|卖家|店里|老板|快递|主播|师傅")
# The numerals of Chinese written numbers, as a character class.
CN_DIGITS = "零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百"
# The measure words of pieces ("4卷", "两杯", "3罐"), as a character class: weights (斤) apart.
PIECE_WORDS = "个只件盒箱袋包瓶份双条支罐本台把张套片根枚副块颗卷粒串听杯桶提扎捆"


# Markup and template placeholders typed or pasted by a buyer: nothing of theirs to read in them.
# (and links pasted: "https://m.example.com/trade/detail?tid=…" says nothing in words)
# A picture, a sticker or a voice message, as the chat shows it in text: "[图片]", "[语音]".
_MEDIA = r"\[(?:图片|照片|表情|动画表情|语音|视频|文件|位置|链接|商品链接|image|photo|picture|sticker|voice|video)\]"
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[a-z/!][^>]{0,200}>|\{\{?\s*[a-z_]\w*\s*\}?\}"
                     r"|(?:https?://|www\.)[^\s\u4e00-\u9fff]+|" + _MEDIA,
                     re.IGNORECASE | re.DOTALL)
# A system notice pasted by mistake ("【中通快递】您的快件已由【菜鸟驿站】代收，请凭取件码…").
_NOTICE = re.compile(r"^\s*【[^】]{2,12}】.*(?:取件码|验证码|快件|包裹已|驿站|已签收|代收|退订回)", re.DOTALL)


def media_only(text: str) -> bool:
    """Whether the message is only a picture, sticker or voice message shown as text ("[图片]"):
    nothing the bot can read, though the buyer did answer."""
    text = text or ""
    return bool(re.search(_MEDIA, text, re.IGNORECASE)) and not re.search(
        r"[\w\u4e00-\u9fff]", re.sub(_MEDIA, "", text, flags=re.IGNORECASE))


def without_markup(text: str) -> str:
    """The buyer's words without markup and template placeholders ("<script>…</script>", "{amount}")."""
    return _MARKUP.sub(" ", text or "").strip()


# A bot command typed or forged as words ("zzz_not_an_intent", 'accept{"rule_id": …}'): no words of a buyer.
_COMMAND = re.compile(r"^\s*/?[A-Za-z]\w*(?:\s*\{.*\}|_\w*)\s*$", re.DOTALL)


def is_command_like(text: str) -> bool:
    """Whether the words are a bot command or payload sent as text, not anything a buyer says."""
    return bool(_COMMAND.match(text or ""))


_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


# Words owning up to a slip of the fingers: "sdfghjkl 手滑了" is still nothing said.
# Words that own up to a slip of the finger: "手滑点错了", "按错了", "不小心点到2分".
# (WRONG_PRESS: the ones that say a key or a score was pressed by mistake)
WRONG_PRESS = r"点错|按错|打错|选错|点快了|手滑|误触|手抖|乱按"
_SLIP_WORDS = rf"{WRONG_PRESS}|不小心|看错|按到|碰到"
_SLIP = re.compile(_SLIP_WORDS)
# A slip owned up to, with the apologies and interjections around it: nothing of the buyer's to read.
_SLIP_OWNED = re.compile(rf"不好意思|抱歉|对不起|sorry|(?:{_SLIP_WORDS})[了的]?|[啊哎呀哦]")


def tells_a_slip(text: str) -> bool:
    """Whether the words own up to a slip of the finger ("啊手滑点错了")."""
    return _SLIP.search(text) is not None


def is_key_mash(text: str) -> bool:
    """Whether the words are keys pressed at random ("jjjjjjkkk", "asdfgh", "sdfghjkl 手滑了"): no
    language at all (owning up to the slip says nothing either)."""
    text = text or ""
    if not re.search(r"[a-z]", normalize(text).lower()) or english_reply(text) is not None:
        return False  # "tk tk tk", "ok ok": letters that are words (退款, 好的), read as meant
    if re.search(r"[a-zA-Z]", text) and re.search(r"[\u4e00-\u9fff]", text):
        text = _SLIP_OWNED.sub(" ", text.lower())
    letters = re.sub(r"[\s\W\d_]+", "", text).lower()
    if len(letters) < 4 or not letters.isascii() or not letters.isalpha():
        return False
    # (keys of one row, in any order and with some left out: "asdfjkl", "qwer")
    # (or mostly one row, a stray key or two off it: "asdkjhqw")
    runs = re.findall(r"[a-z]+", text.lower())
    return len(set(letters)) <= 3 or not re.search(r"[aeiouy]", letters) or any(
        set(letters) <= set(row) for row in _KEY_ROWS) or (len(letters) >= 6 and " " not in text.strip() and any(
            sum(letter in row for letter in letters) >= 0.75 * len(letters) for row in _KEY_ROWS)) or (
        # runs of one row each, between symbols: "asdfjkl;;;qwer"
        len(letters) >= 6
        and all(len(run) >= 3 and any(set(run) <= set(row) for row in _KEY_ROWS) for run in runs)) or (
        # one row, then another, with nothing between: "asdkjhqwe"
        len(letters) >= 6 and any(any(set(letters[:cut]) <= set(row) for row in _KEY_ROWS)
                                  and any(set(letters[cut:]) <= set(row) for row in _KEY_ROWS)
                                  for cut in range(3, len(letters) - 2)))


# An order summary copied from the order page ("订单编号：3847 2910… 下单时间 2024-11-30 20:13:45 实付款
# ¥66.00 商品 儿童酸奶 ×12"): two or more of its field names, and no words of the buyer's own.
_ORDER_FIELDS = re.compile(r"订单编号|订单号|下单时间|付款时间|成交时间|实付款|实付|商品总价|运费|收货地址"
                           r"|物流单号|快递单号")
_BUYERS_OWN = re.compile(r"[坏烂碎破裂死臭霉少缺漏错退换补赔问怎么吗呢吧啊了我你]")


# Someone else's words pasted before the buyer's own: a courier's or a shop's notice up to a dash
# ("【韵达快递】您的快件已签收 —— 签收是签收了！拆开6个杯子碎了2个"), and lines quoted from a chat
# ("这是我之前回店家的：“你们别再联系我了”").
# (a courier's, not a message claiming to be ours: "【平台客服】…请点击链接 —— 这条是你们发的？" is asked about)
_PASTED_LEAD = re.compile(r"^\s*【[^】]{0,8}(?:快递|速运|速递|物流|驿站|邮政|冷运|菜鸟|丰巢|顺丰|京东|极兔|中通|圆通"
                          r"|申通|韵达|德邦|ems)[^】]{0,6}】[^—\n]*?(?:——|—|--|\n)\s*", re.IGNORECASE)
_QUOTED = re.compile(r"“[^”]{4,}”|\"[^\"]{4,}\"|「[^」]{4,}」")


# A quoted line that is data, not speech: an order line or a listing's fields ("商品：黑糖姜茶 12条 ×1
# 实付¥29.90", "口味：蔓越莓 500g").
_DATA = re.compile(r"实付|¥|￥|×\s*\d|订单号|[：:]\s*\S")


# Who wrote a quoted line that tells nothing of the buyer's problem: the courier, the order or the page
# ("快递员的短信：“…放门卫室了”", "详情页写着：“敏感肌可用 过敏包退”"). What the shop said stays (its
# threat is the service problem: "店家私信我的原话：“差评你试试”"), and so does a host's claim.
_NOT_A_CLAIM = re.compile(r"(?:快递员?|订单|详情页|页面|写着|标着|短信)[^“\"「，。]{0,8}[：:]?\s*$")


# The bot's words quoted back to answer it: "你说的「重新发出」我不要 我要「退货退款」", "我选「换新」", or the quote
# alone asked about ("「无需退货」？"): the buyer's own words, without the marks.
_OURS_BEFORE = re.compile(r"(?:(?:你|你们|您|客服)(?:刚才|刚刚|刚|上面|前面|之前)?(?:说|讲|写|提|问)"
                          r"(?:的|了|过)?(?:是)?[:：]?|我要|我选|我就要|我就选|就要|就选|选|要|不要|我不要)\s*$")


def _quoted_back(match: re.Match[str]) -> bool:
    """Whether a quoted line is the bot's words said back to answer it, or all the message holds."""
    return bool(_OURS_BEFORE.search(match.string[:match.start()])) or not re.search(
        r"[\u4e00-\u9fffa-z0-9]", match.string[:match.start()] + match.string[match.end():], re.IGNORECASE)


def own_words(text: str, quotes: bool = True) -> str:
    """The buyer's own words, without a notice pasted before them and lines quoted from someone
    else (with `quotes`; without, only quoted order lines and fields, which say nothing of anyone's);
    the words as they are when nothing else is left."""
    own = _PASTED_LEAD.sub("", text or "")
    own = _QUOTED.sub(lambda m: f" {m.group()[1:-1]} " if _quoted_back(m) and not _DATA.search(m.group())
                      else " " if quotes or _DATA.search(m.group())
                      or _NOT_A_CLAIM.search(m.string[:m.start()]) else m.group(), own)
    own = own.strip()
    return own if re.search(r"[\u4e00-\u9fffa-z0-9]", own, re.IGNORECASE) else (text or "")


def is_pasted_notice(text: str) -> bool:
    """Whether the words are a courier's or a platform's notice, or an order summary, pasted by
    mistake, not the buyer's."""
    text = text or ""
    if _NOTICE.search(text):
        return True
    fields = {match.group() for match in _ORDER_FIELDS.finditer(text)}
    return len(fields) >= 2 and not _BUYERS_OWN.search(_ORDER_FIELDS.sub("", text))


# A sum of money the buyer works out ("一只二十九块八", "三十八块五毛二", "退六十四吧" of 64 yuan, "2只 59.6"):
# a number with 块 / 元 / 毛, or a bare number with one or two decimals and no unit after it.
_CN_SUM = "零〇一二两三四五六七八九十百千万"
_YUAN_JIAO_FEN = (rf"(?P<yuan>\d+(?:\.\d{{1,2}})?|[{_CN_SUM}]+)\s*(?:块|元|圆)钱?"
                  # (not "四十四块一分也不能少": not a cent less)
                  r"(?:(?P<jiao>[零一二三四五六七八九\d])(?!分钱?[也都]?(?:不|别|没|少))(?P<mao>毛|角)?"
                  # ("11块97": 9 jiao 7 fen, no 分 said)
                  r"(?(mao)(?:(?P<fen>[零一二三四五六七八九\d])分?)?"
                  r"|(?:(?P<fen2>[零一二三四五六七八九\d])(?:分|(?![\d个只件盒瓶袋箱斤条双包])))?))?")
_JIAO_ONLY = r"[零一二三四五六七八九十\d]+\s*毛(?:[零一二三四五六七八九\d]分?)?"
# (a decimal followed by a unit is a weight, a length or a share: "2.5斤", "1.8米")
_DECIMAL = r"(?<![\d.])(?P<decimal>\d+\.\d{1,2})(?![\d.])(?!\s*(?:斤|公斤|千克|kg|g|克|两|%|折|倍|米|cm|寸|码|m))"
# A bare number after 退 / 赔 is the money ("退六十四吧", "退十二", "先赔我二十"): two digits or more, or a
# Chinese numeral with 十 / 百; never a count, a share, 假一赔三's 三 or 赔十倍's 十.
_BARE = (r"(?P<bare>\d{2,}|[一二两三四五六七八九]*[十百][一二两三四五六七八九十百]*)(?![\d.一二两三四五六七八九十百])"
         rf"(?!\s*(?:[{PIECE_WORDS}]|斤|两|克|公斤|kg|g|成|%|分之|次|遍|天|号|半|块|元|毛|倍))")
_SUM_PARTS = re.compile(rf"{_YUAN_JIAO_FEN}|{_DECIMAL}")
_BARE_BACK = re.compile(rf"(?<!一)(?:退|赔)(?:给?我)?(?:那|这)?{_BARE}")  # "退那20": that sum back
_MONEY = re.compile(rf"{_YUAN_JIAO_FEN}|{_JIAO_ONLY}|{_DECIMAL}")
# After a refund verb, the sum is the money back: "退六十四吧", "就按九十一块八退", "先把一百二十九退了".
_MONEY_BACK_SUM = re.compile(rf"(?<=[退赔按])\s*(?:{_YUAN_JIAO_FEN})|(?<![一])(?:(?<=退)|(?<=退那)){_BARE}"
                             rf"|(?<=把)(?:\d+(?:\.\d+)?|[{_CN_SUM}]+)(?=\s*(?:块|元)?钱?\s*退)")


def _digit(text: str) -> int:
    return int(text) if text.isdigit() else chinese_to_int(text) or 0


def sums_told(text: str) -> list[int]:
    """The sums of money the words work out or ask for, in fen ("一只二十九块八 退八十九块四吧":
    2980 and 8940; "退六十四吧": 6400; "59.6": 5960)."""
    text = normalize(text)
    found = []
    for match in _SUM_PARTS.finditer(text):
        if match.group("decimal"):
            found.append(round(float(match.group("decimal")) * 100))
            continue
        yuan = match.group("yuan")
        fen = round(float(yuan) * 100) if re.fullmatch(r"[\d.]+", yuan) else _digit(yuan) * 100
        cents = match.group("fen") or match.group("fen2") or "0"
        found.append(fen + _digit(match.group("jiao") or "0") * 10 + _digit(cents))
    found += [_digit(match.group("bare")) * 100 for match in _BARE_BACK.finditer(text)]
    return [fen for fen in found if fen > 0]


def without_money(text: str) -> str:
    """The (normalized) words with the sums of money they work out taken out: a count, a share or a
    weight is read from what is left ("一只二十九块八 两只不就是五十九块六" counts two, not 8两); a sum
    right after 退 / 赔 reads as 钱 ("退六十四吧": 退钱吧)."""
    return _MONEY.sub(" ", _MONEY_BACK_SUM.sub("钱", text))


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Full-width to half-width, spoken small numbers as numerals, lower case, trimmed, characters
    typed one at a time joined back into words.

    Kept for the latest texts: one turn reads the same words many times (remedy, yes or no,
    amount, question), each reading normalizing them first, and the result depends on the text alone."""
    text = unicodedata.normalize("NFKC", repair_mojibake(text or "")).lower().strip()
    text = to_simplified(join_spaced_characters(text))
    text = _WEIGHT_LIANG.sub("两", text)  # "7斤8俩", "缺斤少俩": the 两 of weight, typed as 俩
    for spoken, written in _SPOKEN.items():
        text = text.replace(spoken, written)
    if re.search(r"[\u4e00-\u9fff]", text):
        for slip, meant in _ENGLISH_IN_CHINESE:
            text = slip.sub(meant, text)
    for slip, meant in _SLIPS:
        text = slip.sub(meant, text)
    if not _SOMEONE_ELSE.search(text):  # (not "问了客服 他说马上发": the shop's words)
        text = _RELAYED.sub("", text)
    # "一个一个数的": one by one, no count of one
    text = _ONE_BY_ONE.sub(lambda m: "逐" + (m.group(1) or m.group(2)), text)
    return _REPEATED.sub(r"\1", text)  # "不要了不要了退钱吧", "是的是的": said once


# Clause boundaries: punctuation and spaces, but not the point of a decimal ("称了只有1.6斤").
_BOUNDARY = re.compile(r"[，,。!！？?；;\s]+|(?<!\d)\.+|\.+(?!\d)")


def clauses_of(text: str) -> list[str]:
    """The clauses of the words, in order (empty ones left out); "1.6斤" stays whole."""
    return [clause for clause in _BOUNDARY.split(text) if clause]


def asked_clauses(text: str) -> list[bool]:
    """For each clause of `clauses_of(text)`, whether a question mark ends it ("补发？" said back)."""
    ends = [bool(re.search(r"[？?]", mark.group())) for mark in _BOUNDARY.finditer(text)]
    pieces = _BOUNDARY.split(text)
    return [i < len(ends) and ends[i] for i, piece in enumerate(pieces) if piece]


def clause_before(text: str, start: int) -> str:
    """The words of the clause before position `start`."""
    return re.split(r"[，,。!！？?；;\s]|(?<!\d)\.|\.(?!\d)", text[:start])[-1]


def number_of(raw: str) -> Fraction | None:
    """The value of a number written in digits ("2", "1.5") or Chinese ("两", "十二"); None if neither."""
    raw = raw.strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        return Fraction(raw)
    value = chinese_to_int(raw)
    return Fraction(value) if value is not None else None


# A short reply in English inside a Chinese conversation ("ok refund the 50 pls", "4 stars"), word by
# word: what each word means here, "" for words that carry nothing.
_ENGLISH_WORDS = {
    "ok": "好的", "okay": "好的", "okk": "好的", "yes": "好的", "yep": "好的", "sure": "好的", "fine": "好的",
    "no": "不要", "nope": "不要", "refund": "退款", "money": "钱", "back": "", "reship": "补发", "resend": "补发",
    "replace": "换货", "exchange": "换货", "thanks": "谢谢", "thx": "谢谢", "thank": "谢谢", "please": "",
    "pls": "", "plz": "", "the": "", "a": "", "it": "", "me": "", "my": "", "for": "", "you": "", "just": "",
    "star": "星", "stars": "星", "cancel": "取消", "submit": "提交", "return": "退货", "rating": "", "score": "",
    "go": "", "ahead": "提交",
}


def english_reply(text: str) -> str | None:
    """The Chinese a short English reply means ("ok refund the 50 pls" gives "好的 退款", "4 stars"
    gives "4星"); None when any word is not one of the few a reply to the bot's question is made of."""
    words = re.findall(r"[a-z]+|\d+", (text or "").lower())
    if not words or len(words) > 8 or re.search(r"[^a-z\d\s!?.,'~]", (text or "").lower()):
        return None
    meant: list[str] = []
    for i, word in enumerate(words):
        if word.isdigit():  # a score before "stars"; an amount said back carries nothing
            if (i + 1 < len(words) and words[i + 1] in ("star", "stars")) \
                    or (i > 0 and words[i - 1] in ("rating", "score")):  # "rating 4"
                meant.append(word + ("" if i + 1 < len(words) and words[i + 1] in ("star", "stars") else "星"))
            continue
        if word not in _ENGLISH_WORDS:
            return None
        meant.append(_ENGLISH_WORDS[word])
    said = re.sub(r"(\d)\s+星", r"\1星", " ".join(part for part in meant if part))
    return said or None


# A turn that only says more is coming ("还有", "而且", "另外…", "对了 还有个事"): the buyer types on.
_MORE_TO_COME = re.compile(r"(?:那个|嗯|呃|额|哦|对了|然后)?[\s，,]*"
                           r"(?:还有(?:个事|一个?事|件事|一件事|个问题|一个问题|问题|呢|啊|哈)?"
                           r"|而且|另外|并且|再就是|然后还有|还没完|没完呢|不止(?:这个|这些)|不光(?:这个|这样)"
                           r"|对了|我还有(?:个事|个问题|一个问题)?|还有一点|另外一个|另外还有)"
                           r"[\s，,。.!！…~～:：]*")
# Words that add to what was told ("还晚发了两天", "另外一个碎了", "而且少了一袋"), not correct it.
_ADDING = re.compile(r"^(?:而且|另外|还有|并且|再就是|同时|加上|外加|顺便|对了|再说|也|还)")


def more_to_come(text: str) -> bool:
    """Whether the words only say the buyer has more to tell ("还有", "而且", "对了 还有个事")."""
    return bool(_MORE_TO_COME.fullmatch(normalize(text).strip()))


def adds_to(text: str) -> bool:
    """Whether the words open by adding to what was told ("还晚发了两天", "另外一个碎了")."""
    return bool(_ADDING.match(normalize(text).strip()))
