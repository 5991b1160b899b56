/**
 * A small hand-written corpus for the examples: ten short articles on unrelated topics, seven in English
 * and three in Chinese. Each has a few paragraphs so that only some sentences answer a given query.
 */

/** One article of the example corpus. */
export interface CorpusDocument {
  id: string;
  title: string;
  lang: "en" | "zh";
  text: string;
}

/** The corpus. */
export const corpus: CorpusDocument[] = [
  {
    id: "python-performance",
    title: "Making Python code faster",
    lang: "en",
    text: `Python is loved for its readability, but an interpreted loop over millions of items is slow. Every iteration dispatches bytecode, boxes numbers into objects and checks types at run time.

The biggest win is usually to stop looping in Python at all. NumPy vector operations run the same arithmetic in compiled C over whole arrays, often a hundred times faster than an explicit for loop. Pandas builds on the same idea for tables.

Before optimising, measure. The cProfile module and tools such as py-spy show where the time really goes, and the answer is often a single hot function. Caching results with functools.lru_cache, choosing a set instead of a list for membership tests, and moving heavy work into libraries like Numba or Cython are the next steps.`,
  },
  {
    id: "great-wall",
    title: "The Great Wall of China",
    lang: "en",
    text: `The Great Wall of China is not one wall but a series of fortifications built over two thousand years. Early walls of rammed earth were raised by rival states during the Warring States period.

Most of the brick and stone wall that visitors see today was built during the Ming dynasty, between the fourteenth and seventeenth centuries. The Ming rebuilt it to defend the northern frontier against Mongol raids.

Including all its branches, the wall measures about 21,000 kilometres according to a 2012 survey. Contrary to a popular myth, it cannot be seen with the naked eye from the Moon. Sections such as Badaling and Mutianyu near Beijing are the most visited.`,
  },
  {
    id: "photosynthesis",
    title: "How photosynthesis works",
    lang: "en",
    text: `Photosynthesis is the process by which plants, algae and some bacteria turn light into chemical energy. It takes place in the chloroplasts, whose green pigment chlorophyll absorbs red and blue light.

In the light-dependent reactions, water molecules are split, releasing oxygen as a by-product and producing ATP and NADPH. In the Calvin cycle, the plant then uses that energy to fix carbon dioxide from the air into sugars.

Almost all the oxygen in the atmosphere comes from photosynthesis. Leaves look green because chlorophyll reflects green light instead of absorbing it.`,
  },
  {
    id: "event-loop",
    title: "The JavaScript event loop",
    lang: "en",
    text: `JavaScript runs your code on a single thread, yet a Node.js server handles thousands of connections at once. The trick is the event loop.

Slow operations such as network requests and file reads are handed to the system, and your code continues immediately. When an operation finishes, its callback is put in a queue, and the event loop runs queued callbacks one at a time whenever the call stack is empty.

Promises use a separate microtask queue that is drained before the next task, which is why a resolved promise's then callback runs before a setTimeout callback with zero delay. A long synchronous computation blocks the loop, so every other request waits until it ends.`,
  },
  {
    id: "sourdough",
    title: "Baking sourdough bread",
    lang: "en",
    text: `Sourdough bread is leavened by a starter, a culture of wild yeast and lactic acid bacteria kept alive by regular feeding with flour and water. The bacteria give the bread its sour taste.

A typical loaf needs flour, water, salt and about a fifth of its flour weight in active starter. After mixing, the dough rests for several hours at room temperature, with a few stretch-and-fold sessions to build gluten strength.

A long cold proof in the refrigerator overnight deepens the flavour. Baking in a preheated covered pot traps steam, which lets the loaf expand before the crust sets.`,
  },
  {
    id: "vaccines",
    title: "How vaccines train the immune system",
    lang: "en",
    text: `A vaccine shows the immune system a harmless version or a piece of a pathogen, so the body learns to recognise it without suffering the disease.

B cells respond by producing antibodies that bind to the pathogen, and some of them become long-lived memory cells. T cells learn to kill infected cells. If the real pathogen arrives later, the memory cells respond within days instead of weeks.

mRNA vaccines deliver instructions for making one viral protein; the cell builds the protein, displays it, and the mRNA is broken down within days. Booster doses remind the immune system and raise antibody levels again.`,
  },
  {
    id: "git-rebase",
    title: "Git merge versus rebase",
    lang: "en",
    text: `Git offers two ways to bring changes from one branch into another: merge and rebase. Both end with the same files, but they record history differently.

A merge creates a new commit with two parents and keeps the branch history exactly as it happened. A rebase replays your commits one by one on top of the other branch, producing a straight line of history without merge commits.

Never rebase commits that others have already pulled, because rebasing rewrites commit hashes and forces everyone else to reconcile the change. Interactive rebase, git rebase -i, lets you squash, reorder and reword commits before you share them.`,
  },
  {
    id: "tea-zh",
    title: "中国茶的种类",
    lang: "zh",
    text: `中国是茶的故乡，饮茶的历史已有数千年。按照加工方法，茶通常分为绿茶、白茶、黄茶、青茶、红茶和黑茶六大类。

绿茶不经过发酵，采摘后通过杀青保持叶片的绿色，西湖龙井和碧螺春都是著名的绿茶。红茶经过完全发酵，茶汤红亮，口感醇厚。乌龙茶属于青茶，是半发酵茶，介于绿茶和红茶之间。

泡茶时水温很重要。绿茶适合用八十度左右的水冲泡，水太烫会把嫩叶烫熟，使茶汤发苦。红茶和普洱茶则可以用沸水冲泡。`,
  },
  {
    id: "great-wall-zh",
    title: "长城的历史",
    lang: "zh",
    text: `长城是中国古代规模最大的军事防御工程。早在春秋战国时期，各诸侯国就开始修筑城墙，用来抵御邻国和北方游牧民族。

秦始皇统一六国后，把原来各国的城墙连接起来，形成了“万里长城”。今天我们看到的砖石长城，大部分是明朝修建的，东起山海关，西至嘉峪关。

二零一二年的测量结果显示，历代长城总长度约为两万一千多公里。一九八七年，长城被列入世界文化遗产名录。`,
  },
  {
    id: "sleep-zh",
    title: "睡眠与健康",
    lang: "zh",
    text: `睡眠对身体和大脑都非常重要。成年人每天一般需要七到九个小时的睡眠，青少年需要的更多。

在深度睡眠阶段，大脑会清除白天积累的代谢废物，身体会分泌生长激素，修复肌肉和组织。快速眼动睡眠则与记忆巩固和情绪调节有关。

长期睡眠不足会削弱免疫力，增加肥胖、糖尿病和心血管疾病的风险。睡前减少使用手机，保持规律的作息时间，有助于提高睡眠质量。`,
  },
];

/** Example queries, each answered by a few sentences of one article. */
export const queries: string[] = [
  "How can I speed up a slow Python loop?",
  "Why does a resolved promise run before setTimeout?",
  "When was most of the Great Wall built?",
  "绿茶应该用多少度的水冲泡？",
  "睡眠不足有什么危害？",
];
