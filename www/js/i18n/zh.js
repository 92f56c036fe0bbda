// @ts-check
// 简体中文：课程与页面框架的全部文字。与 en.js 逐键对应（测试检查两者的键相同）。

/** @typedef {import('./en.js').Measured} Measured */

const pct = (/** @type {number | undefined} */ a) => (a === undefined ? '–' : `${(a * 100).toFixed(1)}%`);
const num = (/** @type {number | undefined} */ v, d = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const big = (/** @type {number | undefined} */ n) => (n === undefined ? '–' : n >= 1e8 ? `${(n / 1e8).toFixed(2)} 亿` : n >= 1e4 ? `${(n / 1e4).toFixed(1)} 万` : String(n));

export default {
  lang: 'zh',
  name: '简体中文',
  ui: {
    language: '语言',
    lessons: '课程',
    lessonsIntro: '每一课重现一篇关于“为什么深层网络难以训练”的文章中的一个论断（LeNet → AlexNet → VGG → ResNet → Highway → Inception → ResNeXt）。打开一课，点击运行，看曲线分开，读一读发生了什么。',
    freeLab: '自由实验',
    freeLabHint: '全部设置、自己的训练和深度扫描。',
    open: '打开',
    run: '运行本课',
    running: '运行中…',
    back: '← 全部课程',
    claim: '论断',
    look: '看哪里',
    measured: '本次运行测得',
    next: '接下来试试',
    notYet: '点击“运行本课”：各次训练结束后，结果会显示在这里。',
    lessonN: (/** @type {number} */ n) => `第 ${n} 课`,
    runsOf: (/** @type {number} */ done, /** @type {number} */ all) => `已完成 ${done} / ${all} 次训练`,
    unknownLesson: (/** @type {string} */ id, /** @type {string} */ ids) => `没有名为“${id}”的课程；现有课程：${ids}。已显示课程列表。`,
    unknownLang: (/** @type {string} */ l, /** @type {string} */ langs) => `没有语言“${l}”；可用：${langs}。已使用英文。`,
  },
  measure: {
    final_loss: (/** @type {Measured[]} */ rs) => `最终训练损失（最后 10% 步的平均）与测试准确率：${rs.map((r) => `${r.name} ${num(r.loss)}（${pct(r.acc)}）`).join('；')}。`,
    gradient_ratio: (/** @type {Measured[]} */ rs) => `最后一次探测时，第一层权重梯度与最后一层之比：${rs.map((r) => `${r.name} ${r.ratio === undefined ? '–' : r.ratio.toExponential(1)}`).join('；')}。`,
    cost: (/** @type {Measured[]} */ rs) => `参数量、每张图的乘加次数、训练速度与测试准确率：${rs.map((r) => `${r.name}：${big(r.params)} 个参数，${big(r.macs)} 次乘加，每秒 ${num(r.rate, 0)} 张，${pct(r.acc)}`).join('；')}。`,
  },
  lessons: {
    'deeper-wider': {
      title: '从 LeNet-5 到 AlexNet 再到 VGG：更深、更宽',
      claim: '每一代网络都堆叠了更多、更宽的卷积层——LeNet-5（1998）、AlexNet（2012）、VGG（2014）——用参数和计算量换来了准确率。',
      look: '看代价表和结构图：参数集中在哪里（全连接层），乘加运算花在哪里（卷积层）。再看同样 200 步训练后，各自换来多少准确率。',
      next: '在自由实验中把每个模型各训练一整个 epoch，比较每个参数换来的测试准确率。',
    },
    degradation: {
      title: '退化问题：更深的普通网络反而训练得更差',
      claim: '在普通网络上继续堆叠层数，训练误差反而更高——这不是过拟合，因为升高的正是训练误差（He 等，2016，图 1）。',
      look: '看深度扫描图：最终训练损失随深度的变化。最深的普通网络，在它自己训练的数据上，最终损失也比浅一些的网络高。',
      next: '运行下一课：加入同样深度的 ResNet。',
    },
    'residual-fix': {
      title: '残差的解决之道：恒等捷径阻止了退化',
      claim: '同样的层加上恒等捷径（选项 A）就不再退化：更深的 ResNet 最终不比更浅的差（He 等，2016，图 6）。',
      look: '扫描图中的两条线：普通网络随深度上翘，ResNet 继续下降。',
      next: '在自由实验的深度扫描中加入 44 层和 56 层（更久，但差距更大）。',
    },
    'vanishing-gradients': {
      title: '梯度消失：sigmoid 普通网络、ReLU 与 ResNet',
      claim: '穿过许多 sigmoid 层时，梯度每经过一层都会缩小（sigmoid 的斜率至多为 1/4），于是前几层几乎学不到东西。ReLU 保留得更多；恒等捷径则让梯度绕过非线性直接传回。',
      look: '看梯度流热图：普通 sigmoid 网络与 ResNet 并排、使用同一色标。普通 sigmoid 网络靠近输入的底部几行颜色很暗——梯度小了好几个数量级。',
      next: '给普通 sigmoid 网络重新打开批归一化，看热图变得均匀。',
    },
    'shortcut-options': {
      title: '捷径选项 A、B、C',
      claim: '补零的恒等捷径（A）、只在形状变化处用投影（B）、处处用投影（C）的结果相差不大：解决退化并不需要投影（He 等，2016，表 3）。',
      look: '并排比较最终损失，再看结构图：虚线表示补零，1×1 方框表示投影。',
      next: '在自由实验中用 56 层重复，B 多出的参数就更不重要了。',
    },
    'pre-activation': {
      title: '预激活：ResNet v1 与 v2',
      claim: '把批归一化和 ReLU 移到卷积之前（单元 e，“完全预激活”），捷径路径就成了纯粹的恒等映射，更深的网络更容易训练（He 等，2016b）。',
      look: '看两条损失曲线和梯度流：v2 网络的捷径路径不经过任何非线性就把梯度传了回去。',
      next: '在自由实验中比较 ResNet v2 的 a–e 五种单元。',
    },
    bottleneck: {
      title: 'Inception 的 1×1 瓶颈',
      claim: '在 28×28×192 的输入上，32 个 5×5 卷积核需要 120,422,400 次乘法；先用 16 通道的 1×1 卷积降维，就降到 2,408,448 + 10,035,200 = 12,443,648 次——约少 10 倍——而网络照样能学。',
      look: '看 GoogLeNet inception (3a) 的代价表：有降维和没有降维时的 b5 各行。再看两次训练的损失和速度。',
      next: '打开 Inception 预设：那里的每个模块都用了同样的技巧。',
    },
    cardinality: {
      title: '基数与宽度：ResNeXt',
      claim: '在参数量（几乎）相同的情况下，把一个块的 3×3 卷积拆成更多、更窄的组（基数），训练效果与单个宽组一样好，甚至更好（Xie 等，2017，表 2）。',
      look: '三个 ResNeXt-11，参数量分别为 12.88 万、12.40 万、12.52 万：1 组 16 通道、4 组 6 通道、16 组 2 通道。并排比较它们的参数量、速度和准确率。',
      next: '在自由实验中试试 ResNeXt-20，或基数 32、宽度 2。',
    },
    'shortcut-ablation': {
      title: '捷径消融：去掉它们看看',
      claim: '去掉捷径的 ResNet 又变回了普通网络：同样的层、同样的训练，最终损失更高。',
      look: '并排看损失曲线，再看梯度流：没有捷径时，前几层得到的梯度更少。',
      next: '在自由实验中用 56 层重复，差距更大。',
    },
  },
};
