/**
 * Documents for `semantic-highlight demo`: short original texts (paraphrased encyclopaedic facts) on varied
 * topics, each with a query that one or two of its sentences answer.
 *
 * The questions are paraphrased on purpose: the answer sentences share few or no words with them, while
 * other sentences repeat the question's topic words. The demo therefore shows where word matching stops:
 * the embedded default model (lexical features, no pretrained knowledge) keeps a sentence mostly when it
 * shares the question's words, so it misses most of these answers; a semantic model such as
 * zilliz/semantic-highlight-bilingual-v1 (converted with tools/model/export_hf_checkpoint.py) is what
 * these cases are for. `paraphrase` says, per document, what the answer shares with the question.
 */

/** A demo document and the question asked of it. */
export interface DemoDocument {
  /** Short name shown in the output. */
  title: string;
  lang: "en" | "zh";
  query: string;
  text: string;
  /** Which sentence(s) answer the query, for readers of the output. */
  answerHint: string;
  /** Indices (as the library segments `text`) of the sentences that answer the query. */
  answerSentences: readonly number[];
  /** What the answer sentence(s) share with the question, and which other sentence holds its words. */
  paraphrase: string;
}

/** The demo set: four English and two Chinese documents. */
export const DEMO_DOCUMENTS: readonly DemoDocument[] = [
  {
    title: "Faster Python",
    lang: "en",
    query: "How do I make my Python code run faster?",
    text:
      "Python is one of the most popular programming languages for data analysis and scripting. " +
      "Its syntax is famous for being readable, and beginners often learn it as a first language. " +
      "The reference interpreter, CPython, executes bytecode one instruction at a time. " +
      "Replace explicit loops over numbers with NumPy vector operations, which run in compiled C code. " +
      "Measure before you change anything: the cProfile module shows which functions take the time. " +
      "The language was first released by Guido van Rossum in 1991. " +
      "Its package index hosts hundreds of thousands of third-party libraries.",
    answerHint: "the NumPy and cProfile sentences",
    answerSentences: [3, 4],
    paraphrase: "the answers share only \"run\" / \"code\" (NumPy) and nothing (cProfile) with the question; \"Python\" is in the first sentence",
  },
  {
    title: "James Webb Space Telescope",
    lang: "en",
    query: "How large is the main mirror of the James Webb Space Telescope?",
    text:
      "The James Webb Space Telescope is an infrared observatory built by NASA with the European and Canadian space agencies. " +
      "It was launched on an Ariane 5 rocket from French Guiana on 25 December 2021. " +
      "Its primary mirror is 6.5 metres across and is made of 18 hexagonal segments of gold-coated beryllium. " +
      "A five-layer sunshield about the size of a tennis court keeps the instruments cold. " +
      "The telescope orbits the Sun near the second Lagrange point, roughly 1.5 million kilometres from Earth. " +
      "Its first full-colour images were released in July 2022.",
    answerHint: "the primary-mirror sentence",
    answerSentences: [2],
    paraphrase: "\"main mirror\" is asked, \"primary mirror\" answers; the telescope's full name is only in the first sentence",
  },
  {
    title: "Honeybee waggle dance",
    lang: "en",
    query: "How do honeybees tell each other how far away the flowers are?",
    text:
      "Honeybees live in colonies that can hold tens of thousands of workers. " +
      "A forager that has found a good patch of flowers returns to the hive and performs the waggle dance on the comb. " +
      "The angle of the waggle run relative to vertical shows the direction of the food relative to the sun. " +
      "The longer the waggle run lasts, the farther away the food source is. " +
      "Karl von Frisch decoded this language and shared the 1973 Nobel Prize in Physiology or Medicine. " +
      "Bees also produce wax, which they use to build hexagonal cells for honey and brood.",
    answerHint: "the waggle-duration sentence",
    answerSentences: [3],
    paraphrase: "\"how far away\" is answered by \"the farther away the food source is\"; \"honeybees\" and \"flowers\" are in other sentences",
  },
  {
    title: "Sourdough",
    lang: "en",
    query: "What makes sourdough bread taste sour?",
    text:
      "Sourdough is one of the oldest forms of leavened bread. " +
      "Instead of commercial yeast, it is raised with a starter, a fermented mixture of flour and water. " +
      "The starter hosts wild yeasts together with lactic acid bacteria. " +
      "These bacteria produce lactic and acetic acids, which give the bread its tangy flavour. " +
      "Bakers feed the starter regularly with fresh flour and water to keep it active. " +
      "San Francisco is especially well known for its sourdough tradition, dating back to the Gold Rush.",
    answerHint: "the lactic-acid sentence",
    answerSentences: [3],
    paraphrase: "\"taste sour\" is answered by \"tangy flavour\"; \"sourdough\" is in the first sentence",
  },
  {
    title: "大熊猫",
    lang: "zh",
    query: "大熊猫主要吃什么？",
    text:
      "大熊猫是中国特有的熊科动物，主要生活在四川、陕西和甘肃的山区。" +
      "它们的毛色黑白相间，眼睛周围有明显的黑色斑块。" +
      "虽然属于食肉目，大熊猫的食物几乎全部是竹子，竹子占其食谱的百分之九十九以上。" +
      "由于竹子营养价值低，成年大熊猫每天要花十个小时以上进食。" +
      "野生大熊猫通常独自生活，只在繁殖季节相聚。" +
      "大熊猫被视为中国的国宝，也是世界自然基金会的标志。",
    answerHint: "竹子的句子",
    answerSentences: [2],
    paraphrase: "\"吃什么\" is answered by \"食物……是竹子\"; \"大熊猫\" is in four of the six sentences",
  },
  {
    title: "三峡大坝",
    lang: "zh",
    query: "三峡大坝是什么时候开始建设的？",
    text:
      "三峡大坝位于湖北省宜昌市境内的长江西陵峡段。" +
      "它是世界上装机容量最大的水力发电站。" +
      "大坝工程于1994年12月正式动工兴建。" +
      "坝体主体工程在2006年完工，全部发电机组于2012年投入运行。" +
      "除了发电，三峡工程还承担着防洪和改善长江航运的任务。" +
      "工程建设也带来了移民安置和生态保护等方面的争议。",
    answerHint: "1994年动工的句子",
    answerSentences: [2],
    paraphrase: "\"开始建设\" is answered by \"动工兴建\"; \"三峡大坝\" is only in the first sentence",
  },
];
