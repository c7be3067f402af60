export declare const SYSTEM_CHROMIUMS: readonly { aptPackage: string; path: string }[];
export declare function hasManagedChromium(): boolean;
export declare function systemChromium(): string | undefined;
export declare function fullChromiumLaunch(): { channel?: string; executablePath?: string };
