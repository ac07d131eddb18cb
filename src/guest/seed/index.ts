// Seed media and build access: keys, the merged user-data, the NoCloud seed and the config drive.
export { fingerprint, generateBuildKey, generateEd25519, generateHostKey, hostVerifier, publicKeyBlob, type KeyPair } from './keys.js';
export { DEFAULT_BUILD_USER, mergeUserData, parseRecipeUserData, renderCloudConfig, type BuildAccess } from './user-data.js';
export { createNoCloudIso, noCloudTree, type NoCloudSeed } from './nocloud.js';
export { configDriveTree, createConfigDriveIso, metaDataJson, OPENSTACK_VERSIONS, type ConfigDriveSeed } from './config-drive.js';
export { networkConfigV2, networkDataJson, type InterfaceDescription, type NetworkDescription, type StaticAddress } from './network.js';
export { createBuildCredentials, type BuildCredentials } from './access.js';
