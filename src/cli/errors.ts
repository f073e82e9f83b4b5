/** The file-system errors' words, as the commands write them (the table lives beside the file reading). */
export { errnoText, fileErrorText, fsErrorText, outputErrorText } from "../capture/errno.js";
