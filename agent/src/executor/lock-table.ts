/**
 * One holder per resource (`link:wwan0`, `modem`, `routing`, `dns`): two commands on the modem
 * never run at once. A second one is rejected `busy`, not queued: the operator decides again.
 */
export class LockTable {
  private readonly holders = new Map<string, string>();

  /** Takes the lock for `holder`; false when someone holds it. A null key takes nothing. */
  acquire(key: string | null, holder: string): boolean {
    if (key === null) return true;
    if (this.holders.has(key)) return false;
    this.holders.set(key, holder);
    return true;
  }

  release(key: string | null, holder: string): void {
    if (key !== null && this.holders.get(key) === holder) this.holders.delete(key);
  }

  holder(key: string | null): string | undefined {
    return key === null ? undefined : this.holders.get(key);
  }

  get size(): number {
    return this.holders.size;
  }
}
