// Base of medtransfer's optimisers: a tf.Optimizer whose learning rate the training loop sets
// every step (schedules), with a per-variable multiplier (layer-group rates) and per-variable
// state ("slots") that getWeights/setWeights save and restore (checkpoints).
import * as tf from '@tensorflow/tfjs';

/** A named tensor, as tf.Optimizer's getWeights/setWeights use (not exported by tfjs' main entry). */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/**
 * Slots are kept by the variable's position in the gradient map, as tfjs' own optimisers do:
 * the training loop always passes the same variables in the same order, while tfjs variable
 * names can differ between processes (`conv/kernel` vs `conv/kernel_1`), so a checkpoint
 * restores by position. `getWeights()` returns `iter` then slot 0 of every variable, then
 * slot 1, … (the tensors are the slot variables themselves; only `iter` is new). `setWeights`
 * takes that list back and copies the tensors.
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  /** Current base learning rate; the training loop sets it before each step. */
  learningRate: number;
  /** Variable name → multiplier of the learning rate (default 1). */
  private multipliers = new Map<string, number>();
  /** slots[k][i]: slot k of variable i. */
  private slots: Slot[][];

  protected constructor(
    learningRate: number,
    private readonly slotNames: readonly string[],
  ) {
    super();
    this.learningRate = learningRate;
    this.slots = slotNames.map(() => []);
    this.iterations_ = 0;
  }

  /** Sets the learning-rate multiplier of each named variable (others 1). */
  setLrMultipliers(multipliers: ReadonlyMap<string, number>): void {
    this.multipliers = new Map(multipliers);
  }

  lrMultiplier(variableName: string): number {
    return this.multipliers.get(variableName) ?? 1;
  }

  /**
   * One update of `value` from `grad` at learning rate `lr` and 1-based update count `t`;
   * `slots` are this variable's state variables (zeros at first), assigned in place.
   */
  protected abstract update(value: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: number, t: number): void;

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const t = this.iterations + 1;
    tf.tidy(() => {
      entries.forEach(([name, grad], i) => {
        const value = tf.engine().registeredVariables[name];
        const slots = this.slots.map((list, k) => {
          if (!list[i]) list[i] = { originalName: `${name}/${this.slotNames[k]}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          return list[i].variable;
        });
        if (grad == null) return;
        this.update(value, grad, slots, this.learningRate * this.lrMultiplier(name), t);
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const list of this.slots) for (const s of list) s.variable.dispose();
    this.slots = this.slotNames.map(() => []);
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = this.slots.flat().map((s) => ({ name: s.originalName, tensor: s.variable as tf.Tensor }));
    return [await this.saveIterations(), ...slots];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const k = this.slotNames.length;
    if (k === 0 ? rest.length !== 0 : rest.length % k !== 0) {
      throw new Error(`${this.getClassName()}.setWeights: ${rest.length} slot tensors do not divide into ${k} slots per variable`);
    }
    const n = k ? rest.length / k : 0;
    this.dispose();
    this.slots = this.slotNames.map((_, s) =>
      rest.slice(s * n, (s + 1) * n).map((w) => ({ originalName: w.name, variable: tf.variable(w.tensor, false) })),
    );
  }
}
