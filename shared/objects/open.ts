import type { Config } from '../config/env.js';
import type { ObjectStore } from './port.js';

/**
 * The store holding the model registry: the KILOWATCH_MODELS_BUCKET bucket on Cloud Storage when
 * KILOWATCH_BACKEND=gcp, the KILOWATCH_REGISTRY_DIR folder otherwise. The cloud SDK loads only when used.
 */
export async function openModelStore(config: Config): Promise<ObjectStore> {
  if (config.KILOWATCH_BACKEND === 'gcp') {
    if (!config.KILOWATCH_MODELS_BUCKET) {
      throw new Error(
        'invalid configuration:\n  KILOWATCH_MODELS_BUCKET: required when KILOWATCH_BACKEND=gcp (the models bucket: terraform output models-bucket)',
      );
    }
    const { GcsObjectStore } = await import('./gcs.js');
    return new GcsObjectStore({
      bucket: config.KILOWATCH_MODELS_BUCKET,
      ...(config.GOOGLE_CLOUD_PROJECT ? { projectId: config.GOOGLE_CLOUD_PROJECT } : {}),
      ...(config.STORAGE_API_ENDPOINT ? { apiEndpoint: config.STORAGE_API_ENDPOINT } : {}),
    });
  }
  const { LocalFolderStore } = await import('./local-folder.js');
  return new LocalFolderStore(config.KILOWATCH_REGISTRY_DIR);
}
