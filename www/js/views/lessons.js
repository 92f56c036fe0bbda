// @ts-check
// The lessons: an index to follow in order (the landing view), and one lesson's panel — what
// the paper claimed, what to look at, a Run button, progress, the sentence computed from the
// runs when they finish, and what to try next — in the page's language. The lab stays one
// click away. Built with DOM calls only (text is never parsed as HTML).
import { el, setText } from './dom.js';

/** @typedef {import('../i18n/index.js').Words} Words */
/** @typedef {{id: string, base: [string, string][], runs: [string, string][][], sweep: {families: string[], depths: number[]} | null, views: string[], measure: 'final_loss' | 'gradient_ratio' | 'cost'}} Lesson */

export class LessonsView {
  /**
   * @param {HTMLElement} root
   * @param {Lesson[]} lessons
   * @param {{open: (id: string | null) => void, run: (lesson: Lesson) => void, lab: () => void}} actions
   */
  constructor(root, lessons, actions) {
    this.root = root;
    this.lessons = lessons;
    this.actions = actions;
    /** @type {Words | null} */ this.words = null;
    /** @type {Lesson | null} */ this.current = null;
    this.status = { running: false, progress: '', measured: '' };
  }

  /** Draws the index (`lesson` null) or one lesson, in `words`' language. */
  show(/** @type {Lesson | null} */ lesson, /** @type {Words} */ words) {
    this.current = lesson;
    this.words = words;
    this.root.hidden = false;
    if (lesson) this.drawLesson(lesson, words);
    else this.drawIndex(words);
  }

  hide() {
    this.root.hidden = true;
  }

  /** Progress and the measured sentence of the open lesson. */
  setStatus(/** @type {{running: boolean, progress: string, measured: string}} */ status) {
    this.status = status;
    const w = this.words;
    if (!w || !this.current || this.root.hidden) return;
    const run = this.root.querySelector('#lessonRun');
    if (run) {
      setText(run, status.running ? w.ui.running : w.ui.run);
      /** @type {HTMLButtonElement} */ (run).disabled = status.running;
    }
    const p = this.root.querySelector('#lessonProgress');
    if (p) setText(p, status.progress);
    const m = this.root.querySelector('#lessonMeasured');
    if (m) setText(m, status.measured || w.ui.notYet);
  }

  drawIndex(/** @type {Words} */ w) {
    const head = el('div', { class: 'lessons-head' });
    head.append(el('h2', {}, w.ui.lessons), el('p', { class: 'note' }, w.ui.lessonsIntro));
    const list = el('ol', { class: 'lesson-cards', start: '0' });
    this.lessons.forEach((l, i) => {
      const t = w.lessons[/** @type {keyof Words['lessons']} */ (l.id)];
      const li = el('li', { class: 'lesson-card', 'data-lesson': l.id });
      const open = el('button', { type: 'button', class: 'primary mini' }, w.ui.open);
      open.addEventListener('click', () => this.actions.open(l.id));
      li.append(el('span', { class: 'lesson-n' }, w.ui.lessonN(i)), el('b', {}, t.title), el('p', {}, t.claim), open);
      list.append(li);
    });
    const lab = el('li', { class: 'lesson-card lab-card' });
    const labBtn = el('button', { type: 'button', id: 'freeLab', class: 'mini' }, w.ui.freeLab);
    labBtn.addEventListener('click', () => this.actions.lab());
    lab.append(el('b', {}, w.ui.freeLab), el('p', {}, w.ui.freeLabHint), labBtn);
    list.append(lab);
    this.root.replaceChildren(head, list);
  }

  drawLesson(/** @type {Lesson} */ l, /** @type {Words} */ w) {
    const i = this.lessons.indexOf(l);
    const t = w.lessons[/** @type {keyof Words['lessons']} */ (l.id)];
    const back = el('button', { type: 'button', class: 'mini', id: 'lessonBack' }, w.ui.back);
    back.addEventListener('click', () => this.actions.open(null));
    const lab = el('button', { type: 'button', class: 'mini', id: 'freeLab' }, w.ui.freeLab);
    lab.addEventListener('click', () => this.actions.lab());
    const nav = el('div', { class: 'row lesson-nav' });
    nav.append(back, lab);
    const run = el('button', { type: 'button', class: 'primary', id: 'lessonRun' }, w.ui.run);
    run.addEventListener('click', () => this.actions.run(l));
    const section = (/** @type {string} */ h, /** @type {string} */ text, /** @type {string} */ id = '') => {
      const d = el('div', { class: 'lesson-part' });
      d.append(el('h3', {}, h), el('p', id ? { id } : {}, text));
      return d;
    };
    const body = el('div', { class: 'lesson-body' });
    body.append(section(w.ui.claim, t.claim), section(w.ui.look, t.look), section(w.ui.measured, w.ui.notYet, 'lessonMeasured'), section(w.ui.next, t.next));
    const runRow = el('div', { class: 'row' });
    runRow.append(run, el('span', { id: 'lessonProgress', class: 'note', 'aria-live': 'polite' }));
    this.root.replaceChildren(nav, el('h2', { id: 'lessonTitle' }, `${w.ui.lessonN(i)} · ${t.title}`), runRow, body);
    this.setStatus(this.status);
  }
}
