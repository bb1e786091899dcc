// The subset of the net-snmp (npm) API kapasitas uses; the package ships no type declarations.
declare module "net-snmp" {
  import type { EventEmitter } from "node:events";

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: "udp4" | "udp6";
    version?: number;
    idBitsSize?: 16 | 32;
    context?: string;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number | string;
    authKey?: string;
    privProtocol?: number | string;
    privKey?: string;
  }

  export type ResponseCallback<T> = (error: Error | null, varbinds?: T[]) => void;

  export interface Session extends EventEmitter {
    get(oids: string[], callback: ResponseCallback<Varbind>): void;
    /** Non-repeaters come back as varbinds, each repeating OID as an array of varbinds. */
    getBulk(
      oids: string[],
      nonRepeaters: number,
      maxRepetitions: number,
      callback: ResponseCallback<Varbind | Varbind[]>,
    ): void;
    close(): void;
  }

  export interface EncryptionAlgorithm {
    CRYPTO_ALGORITHM: string;
    KEY_LENGTH: number;
    BLOCK_LENGTH: number;
    encryptPdu: unknown;
    decryptPdu: unknown;
    localizationAlgorithm: unknown;
  }

  const snmp: {
    createSession(target: string, community: string, options?: SessionOptions): Session;
    createV3Session(target: string, user: User, options?: SessionOptions): Session;
    isVarbindError(varbind: Varbind): boolean;
    varbindError(varbind: Varbind): string;
    Version2c: number;
    Version3: number;
    ObjectType: Record<string, number>;
    SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    AuthProtocols: Record<string, number>;
    PrivProtocols: Record<string, number>;
    ResponseInvalidCode: Record<string, number>;
    RequestTimedOutError: new (...args: unknown[]) => Error;
    ResponseInvalidError: new (...args: unknown[]) => Error & { code: number };
    RequestFailedError: new (...args: unknown[]) => Error;
    Encryption: {
      algorithms: Record<string, EncryptionAlgorithm>;
      generateLocalizedKeyBlumenthal: unknown;
      generateLocalizedKeyReeder: unknown;
      encryptPduAes: unknown;
      decryptPduAes: unknown;
    };
  };
  export default snmp;
}
