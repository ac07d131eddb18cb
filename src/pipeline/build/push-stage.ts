// The optional push stage (`ingot build --push`): the same library call as `ingot push`, with
// what the recipe says about the image (push.rackspace, readiness.ssh_user).
import { IngotError } from '../../errors/index.js';
import type { RackspaceConfig } from '../../config/index.js';
import { pushVhd } from '../../rackspace/push.js';
import type { Stage } from '../stages.js';
import { need, type BuildContext } from './context.js';

/** Refuses a --push build before it starts when the credentials it will need are missing. */
export function requirePushCredentials(rax: RackspaceConfig): { username: string; apiKey: string } | { username: string; password: string } {
  if (rax.username === undefined) throw new IngotError('RAX_CREDENTIALS_MISSING', '--push: no Rackspace user name', { hint: 'Set RAX_USERNAME and RAX_API_KEY (or RAX_API_KEY_FILE) before the build starts.' });
  if (rax.apiKey !== undefined) return { username: rax.username, apiKey: rax.apiKey };
  if (rax.password !== undefined) return { username: rax.username, password: rax.password };
  throw new IngotError('RAX_CREDENTIALS_MISSING', `--push: no API key or password for Rackspace user ${rax.username}`, { hint: 'Set RAX_API_KEY or RAX_API_KEY_FILE (RAX_PASSWORD works too).' });
}

export const pushStage: Stage<BuildContext> = {
  id: 'push',
  title: 'push the image to Rackspace',
  skip: (ctx) => (ctx.push ? undefined : 'no --push'),
  async run(ctx, signal) {
    const target = need(ctx.recipe.push, 'the recipe push section').rackspace;
    const sshUser = need(ctx.recipe.readiness.sshUser, 'readiness.ssh_user');
    const rax = ctx.config.rackspace;
    const result = await pushVhd({
      file: need(ctx.output, 'the exported VHD').path, name: target.imageName, sshUser, extraMetadata: target.metadata,
      container: target.container, segmentSize: target.segmentSizeBytes, identityUrl: rax.identityUrl,
      credentials: requirePushCredentials(rax), redactor: ctx.redactor, report: ctx.report, signal,
      ...(target.region ?? rax.region ? { region: (target.region ?? rax.region)!.toUpperCase() } : {}),
    });
    ctx.pushResult = { region: result.region, image_id: result.imageId, task_id: result.taskId, container: result.upload.container, object: result.upload.object, metadata: result.metadata };
    return `image ${result.imageId} in ${result.region}`;
  },
};
