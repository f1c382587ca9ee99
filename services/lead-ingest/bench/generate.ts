import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉婷雪琳晨浩宇轩子涵欣怡梓萱',
];
const PREFIXES = [
  '130',
  '131',
  '132',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '177',
  '180',
  '181',
  '186',
  '187',
  '188',
  '189',
  '199',
];
const REGIONS = ['广东', '北京', '上海', '浙江', '江苏', '四川', '湖北', '山东'];
const INTENTS = ['高', '中', '低', ''];
const COURSES = ['数学', '英语', '物理', '"编程,机器人"', ''];

/**
 * A realistic lead file: Chinese names and headers, custom fields, 3 % malformed numbers and 5 %
 * repeats of earlier numbers. Seeded, so every run imports the same file.
 */
export async function generateCsv(
  path: string,
  rows: number,
  seed = 42,
): Promise<{ malformed: number; duplicates: number }> {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  out.write('客户编号,姓名,手机,地区,意向度,客单价,课程意向,备注\n');
  let malformed = 0;
  let duplicates = 0;
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const roll = random();
    let phone: string;
    if (roll < 0.03) {
      malformed++;
      phone = pick(['1380013', '138001380001234', '13800x38000', '+999123', '']);
    } else if (roll < 0.08 && i > 100) {
      duplicates++;
      phone = numberFor(Math.floor(random() * (i - 1)));
    } else {
      phone = numberFor(i);
    }
    lines.push(
      `C${i},${pick(SURNAMES)}${pick(GIVEN)}${random() < 0.5 ? pick(GIVEN) : ''},${phone},${pick(REGIONS)},${pick(INTENTS)},${Math.floor(random() * 3000)},${pick(COURSES)},第${i}行`,
    );
    if (lines.length === 5000) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  out.end(lines.length ? `${lines.join('\n')}\n` : '');
  await once(out, 'finish');
  return { malformed, duplicates };

  function numberFor(i: number): string {
    // Row i always gets the same valid number, so a repeat is a true duplicate.
    return `${PREFIXES[i % PREFIXES.length]}${String((i * 7_919) % 100_000_000).padStart(8, '0')}`;
  }
}
