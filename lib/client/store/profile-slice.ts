import type { Author } from "../../shared/dto";
import type { SliceCreator } from "./types";

export interface ProfileSlice {
  /** What the person typed; empty means "let the server pick a guest name". */
  displayName: string;
  /** Who the server says we are; own messages are the ones with this author id. */
  me: Author | null;
  setDisplayName(name: string): void;
  setMe(me: Author): void;
}

export const createProfileSlice: SliceCreator<ProfileSlice> = (set) => ({
  displayName: "",
  me: null,
  setDisplayName: (displayName) => set({ displayName }),
  setMe: (me) => set({ me }),
});
