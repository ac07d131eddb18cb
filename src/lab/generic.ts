// The messages XAPI generates for every class (xapi.md §1.5), built here from the datamodel rather
// than written one by one: get_all_records, get_all, get_record, get_by_uuid, get_by_name_label,
// get_<field>, set_<field>, add_to_/remove_from_<map>, add_/remove_<set>, create, destroy.
import type { Handler } from './context.js';
import { constructorRecord } from './coerce.js';
import { DATAMODEL } from './datamodel/generated.js';
import { XapiFault } from './fault.js';

const self = (args: unknown[]): string => String(args[0]);

/** The generic handler for `cls.message`, or undefined when the message is not a generic one. */
export function genericHandler(cls: string, message: string): Handler | undefined {
  const def = DATAMODEL.classes[cls];
  if (def === undefined) return undefined;
  const field = (name: string) => def.fields.find((f) => f.name === name);

  switch (message) {
    case 'get_all_records':
      return ({ lab }) => Object.fromEntries(lab.db.all(cls));
    case 'get_all':
      return ({ lab }) => lab.db.all(cls).map(([ref]) => ref);
    case 'get_record':
      return ({ lab }, args) => lab.db.get(cls, self(args));
    case 'get_by_uuid':
      return ({ lab }, [uuid]) => {
        const ref = lab.db.byUuid(cls, String(uuid));
        if (ref === undefined) throw new XapiFault('UUID_INVALID', [cls, String(uuid)]);
        return ref;
      };
    case 'get_by_name_label':
      return ({ lab }, [label]) => lab.db.all(cls).filter(([, r]) => r.name_label === label).map(([ref]) => ref);
    case 'create':
      return ({ lab }, [record]) => lab.db.create(cls, constructorRecord(cls, record));
    case 'destroy':
      return ({ lab }, args) => {
        lab.db.get(cls, self(args));
        lab.db.delete(cls, self(args));
      };
  }

  let m: RegExpMatchArray | null;
  if ((m = message.match(/^get_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, args) => lab.db.get(cls, self(args))[name];
  }
  if ((m = message.match(/^set_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, [ref, value]) => {
      lab.db.get(cls, ref);
      lab.db.update(cls, String(ref), { [name]: value });
    };
  }
  if ((m = message.match(/^add_to_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, [ref, key, value]) => {
      const map = { ...(lab.db.get(cls, ref)[name] as Record<string, unknown>) };
      // MAP_DUPLICATE_KEY carries the object ref, not its uuid (db_cache_impl.ml, xapi.md §1.5).
      if (Object.hasOwn(map, String(key))) throw new XapiFault('MAP_DUPLICATE_KEY', [cls, name, String(ref), String(key)]);
      map[String(key)] = value;
      lab.db.update(cls, String(ref), { [name]: map });
    };
  }
  if ((m = message.match(/^remove_from_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, [ref, key]) => {
      const map = { ...(lab.db.get(cls, ref)[name] as Record<string, unknown>) };
      if (!Object.hasOwn(map, String(key))) return; // a no-op, as in XAPI
      delete map[String(key)];
      lab.db.update(cls, String(ref), { [name]: map });
    };
  }
  if ((m = message.match(/^add_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, [ref, value]) => {
      const set = lab.db.get(cls, ref)[name] as unknown[];
      if (!set.includes(value)) lab.db.update(cls, String(ref), { [name]: [...set, value] });
    };
  }
  if ((m = message.match(/^remove_(.+)$/)) && field(m[1] as string)) {
    const name = m[1] as string;
    return ({ lab }, [ref, value]) => {
      const set = lab.db.get(cls, ref)[name] as unknown[];
      if (set.includes(value)) lab.db.update(cls, String(ref), { [name]: set.filter((v) => v !== value) });
    };
  }
  return undefined;
}
