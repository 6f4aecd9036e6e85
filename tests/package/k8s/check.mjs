// Each object of a Kubernetes YAML file against its API schema: the
// kubernetes-models validators (generated from the Kubernetes OpenAPI
// document and the Prometheus Operator CRDs) check types, enums and
// required fields. Prints "ok - KIND NAME" or "not ok - KIND NAME: why".
//   node check.mjs FILE.yaml    (exit 1 if any object fails)
import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';

// API groups whose models are not in kubernetes-models itself
const PACKAGE_OF_GROUP = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };

async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGE_OF_GROUP[group] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  const mod = await import(path);
  return mod[kind];
}

let failed = 0;
for (const doc of parseAllDocuments(fs.readFileSync(process.argv[2], 'utf8'))) {
  const obj = doc.toJS();
  if (!obj) continue;
  const what = `${obj.kind} ${obj.metadata?.name}`;
  try {
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    const Model = await modelOf(String(obj.apiVersion), String(obj.kind));
    if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
    new Model(obj).validate();
    console.log(`ok - ${what}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${what}: ${String(e.message).split('\n')[0]}`);
  }
}
process.exit(failed ? 1 : 0);
