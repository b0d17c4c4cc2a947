// One DOM update pass per animation frame: events only mark what changed; the frame hands the
// accumulated changes to every view once. A background tab gets no frames, and loses nothing —
// the model keeps the newest state and the dirty sets stay bounded by the number of entities.

import { perf } from './perf.js';

export class Scheduler {
  constructor(model) {
    this.model = model;
    this.renderers = [];
    this.pending = false;
    this.ui = new Set();
    this.frame = this.frame.bind(this);
  }

  add(render) {
    this.renderers.push(render);
  }

  /** Asks for a frame; `flag` names a UI change (clock, conn, scroll, view…) for the views. */
  invalidate(flag) {
    if (flag) this.ui.add(flag);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(this.frame);
    }
  }

  frame() {
    this.pending = false;
    const t0 = performance.now();
    const changes = this.model.takeDirty();
    changes.ui = this.ui;
    this.ui = new Set();
    for (const render of this.renderers) {
      try {
        render(changes);
      } catch (e) {
        console.error('monitor: render failed', e);
      }
    }
    perf.recordWork(performance.now() - t0);
  }
}
