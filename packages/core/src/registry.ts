// One registry type for datasets, backbones, initialisers, optimisers, metrics and reporters.
import { ConfigError, MedtransferError } from './errors';
import { unknownNameMessage } from './suggest';

export class Registry<T> {
  private readonly entries = new Map<string, T>();

  /** `kind` names what is registered, for messages: "backbone", "dataset", … */
  constructor(readonly kind: string) {}

  register(name: string, value: T): this {
    if (!/^[a-z0-9][a-z0-9._/-]*$/.test(name)) {
      throw new MedtransferError(`invalid ${this.kind} name "${name}": use lower-case letters, digits, '-', '.', '/'`);
    }
    if (this.entries.has(name)) throw new MedtransferError(`duplicate ${this.kind} "${name}": it is already registered`);
    this.entries.set(name, value);
    return this;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Looks a name up; an unknown name throws a ConfigError carrying `path` and the nearest names. */
  get(name: string, path = ''): T {
    const value = this.entries.get(name);
    if (value === undefined) throw new ConfigError(path, unknownNameMessage(this.kind, name, this.names()));
    return value;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}
