/**
 * struct mptcp_info, as getsockopt(SOL_MPTCP, MPTCP_INFO) returns it on Linux
 * (include/uapi/linux/mptcp.h): the fields a vector or a scenario asks about.
 * The kernel fills what it knows and leaves the rest zero; a shorter buffer
 * (an older kernel) gives the fields it covers.
 */
export interface MptcpInfo {
  /** Subflows other than the first (mptcpi_subflows). */
  subflows: number;
  addAddrSignal: number;
  addAddrAccepted: number;
  subflowsMax: number;
  flags: { fallback: boolean; remoteKeyReceived: boolean };
  token: number;
  checksums: boolean;
  /** All subflows, the first one included (mptcpi_subflows_total, Linux 6.10 and later). */
  subflowsTotal?: number;
}

export function decodeMptcpInfo(b: Buffer): MptcpInfo {
  const u8 = (o: number) => (o < b.length ? b.readUInt8(o) : 0);
  const u32 = (o: number) => (o + 4 <= b.length ? b.readUInt32LE(o) : 0);
  const flags = u32(8);
  return {
    subflows: u8(0),
    addAddrSignal: u8(1),
    addAddrAccepted: u8(2),
    subflowsMax: u8(3),
    flags: { fallback: (flags & 1) !== 0, remoteKeyReceived: (flags & 2) !== 0 },
    token: u32(12),
    checksums: u8(42) !== 0,
    ...(b.length > 80 ? { subflowsTotal: u8(80) } : {}),
  };
}
