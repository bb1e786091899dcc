// SNMPv3 privacy protocols as the inventory names them, mapped onto net-snmp's Encryption table.
//
// net-snmp (npm) ships AES-128 (RFC 3826), AES-256 with Blumenthal key extension ("aes256b",
// draft-blumenthal-aes-usm-04, what Net-SNMP calls AES-256) and with Reeder key extension
// ("aes256r", what Cisco calls AES256C). It has no AES-192, so we register one: the same CFB
// encrypt/decrypt functions and the same Blumenthal key extension, with a 24-byte key, exactly as
// Net-SNMP's AES-192 does. The extension only adds a table entry; it patches no net-snmp code.
import { createCipheriv } from "node:crypto";
import snmp from "net-snmp";
import type { AuthProtocol, PrivProtocol } from "../../core/schema.js";

const AES192_KEY = "kapasitas-aes192-blumenthal";

function registerAes192(): void {
  const enc = snmp.Encryption;
  if (enc.algorithms[AES192_KEY]) return;
  enc.algorithms[AES192_KEY] = {
    CRYPTO_ALGORITHM: "aes-192-cfb",
    KEY_LENGTH: 24,
    BLOCK_LENGTH: 16,
    encryptPdu: enc.encryptPduAes,
    decryptPdu: enc.decryptPduAes,
    localizationAlgorithm: enc.generateLocalizedKeyBlumenthal,
  };
}
registerAes192();

/** net-snmp's identifier for each privacy protocol the inventory accepts. */
export function netSnmpPrivProtocol(protocol: PrivProtocol): number | string {
  switch (protocol) {
    case "aes128":
      return snmp.PrivProtocols.aes!;
    case "aes192":
      return AES192_KEY;
    case "aes256":
      return snmp.PrivProtocols.aes256b!;
    case "aes256c":
      return snmp.PrivProtocols.aes256r!;
    case "des":
      if (!desAvailable())
        throw new Error(
          "DES needs Node's legacy OpenSSL provider: start the collector with NODE_OPTIONS=--openssl-legacy-provider",
        );
      return snmp.PrivProtocols.des!;
  }
}

/** Whether this Node's OpenSSL offers DES-CBC (OpenSSL 3 keeps it in the legacy provider). */
export function desAvailable(): boolean {
  try {
    createCipheriv("des-cbc", Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

export function netSnmpAuthProtocol(protocol: AuthProtocol): number {
  const id = snmp.AuthProtocols[protocol];
  if (id === undefined) throw new Error(`net-snmp has no auth protocol ${protocol}`);
  return id;
}
